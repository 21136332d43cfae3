// Shell completion scripts (bash, zsh, fish) generated from the commander program, so they never drift from it.

import type { Command } from "commander";

interface Node {
  /** "runs ls": the command path under `cellflow`. */
  path: string;
  subcommands: string[];
  options: string[];
}

function walk(command: Command, prefix: string, out: Node[]): void {
  const visible = command.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  const options = command.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
  out.push({ path: prefix, subcommands: visible.map((c) => c.name()), options: [...options, "--help"] });
  for (const sub of visible) walk(sub, prefix ? `${prefix} ${sub.name()}` : sub.name(), out);
}

export function commandTree(program: Command): Node[] {
  const out: Node[] = [];
  walk(program, "", out);
  return out;
}

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

function bash(nodes: Node[]): string {
  const paths = nodes.filter((n) => n.path).map((n) => n.path);
  const cases = nodes
    .map((n) => `    "${n.path}") subs="${n.subcommands.join(" ")}"; opts="${n.options.join(" ")}" ;;`)
    .join("\n");
  return `# cellflow completion for bash: eval "$(cellflow completion bash)" (or save it under bash-completion's completions/)
_cellflow() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i subs="" opts=""
  local known="|${paths.join("|")}|"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ "$known" == *"|\${path:+$path }$word|"* ]]; then path="\${path:+$path }$word"; fi
  done
  case "$path" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ -n "$subs" ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _cellflow cellflow
`;
}

function zsh(nodes: Node[]): string {
  // zsh runs the bash function through bashcompinit: one script to keep right instead of two.
  return `#compdef cellflow
# cellflow completion for zsh: eval "$(cellflow completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split("\n").slice(1).join("\n")}`;
}

function fish(nodes: Node[]): string {
  const lines = ["# cellflow completion for fish: cellflow completion fish > ~/.config/fish/completions/cellflow.fish"];
  for (const n of nodes) {
    const words = n.path ? n.path.split(" ") : [];
    // A node's subcommands apply once its own path has been typed and none of its subcommands yet.
    const seen = words.map((w) => `__fish_seen_subcommand_from ${w}`);
    const notYet = n.subcommands.length ? [`not __fish_seen_subcommand_from ${n.subcommands.join(" ")}`] : [];
    const condition = words.length ? [...seen, ...notYet].join("; and ") : "__fish_use_subcommand";
    if (n.subcommands.length) lines.push(`complete -c cellflow -n '${condition}' -a '${n.subcommands.join(" ")}'`);
    for (const opt of n.options.filter((o) => o.startsWith("--"))) {
      lines.push(`complete -c cellflow -n '${words.length ? seen.join("; and ") : "__fish_use_subcommand"}' -l ${opt.slice(2)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** The completion script for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const nodes = commandTree(program);
  if (shell === "bash") return bash(nodes);
  if (shell === "zsh") return zsh(nodes);
  return fish(nodes);
}
