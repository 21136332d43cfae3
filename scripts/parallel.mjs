// `node scripts/parallel.mjs "<command>" "<command>" …`: runs the commands at once (each through the shell, as an npm
// script line is) and exits with the first failure's code, or 0. Each command's output is printed whole when it
// ends, under its command line, so that two checks' messages never interleave. npm test runs the type checks and
// lint this way: each is one single-threaded process, and one after the other they left a core idle (~15 s).

import { spawn } from "node:child_process";

const commands = process.argv.slice(2);
if (commands.length === 0) {
  process.stderr.write('usage: node scripts/parallel.mjs "<command>" ["<command>" …]\n');
  process.exit(2);
}

const codes = await Promise.all(
  commands.map(
    (command) =>
      new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
        const chunks = [];
        child.stdout.on("data", (c) => chunks.push(c));
        child.stderr.on("data", (c) => chunks.push(c));
        child.on("error", (error) => chunks.push(Buffer.from(`${error.message}\n`)));
        child.on("close", (code, signal) => {
          const output = Buffer.concat(chunks).toString();
          process.stdout.write(`\n> ${command}\n${output}${output && !output.endsWith("\n") ? "\n" : ""}`);
          if (code !== 0) process.stdout.write(`(${signal ? `killed by ${signal}` : `exit ${code}`})\n`);
          resolve(code ?? 1);
        });
      }),
  ),
);
process.exit(codes.find((code) => code !== 0) ?? 0);
