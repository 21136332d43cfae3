// The command line loads only the command it names: that program must read exactly as the whole one does.

import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";

describe("the program built for one command line", () => {
  it("has only the named command, with the same help, options and subcommands as in the whole program", async () => {
    const whole = await buildProgram();
    expect(whole.commands.length).toBeGreaterThan(10);
    for (const command of whole.commands) {
      const alone = await buildProgram([command.name(), "--help"]);
      if (command.name() === "completion") {
        // It prints a script naming every command, so it is built with all of them.
        expect(alone.commands.map((c) => c.name())).toEqual(whole.commands.map((c) => c.name()));
        continue;
      }
      expect(alone.commands.map((c) => c.name())).toEqual([command.name()]);
      expect(alone.commands[0].helpInformation()).toBe(command.helpInformation());
      expect(alone.commands[0].commands.map((c) => c.helpInformation())).toEqual(command.commands.map((c) => c.helpInformation()));
    }
  });

  it("has every command for help, an unknown name (for its suggestion) and no arguments; none for --version", async () => {
    const all = (await buildProgram()).commands.map((c) => c.name());
    for (const args of [["--help"], ["help", "runs"], ["runz"], []]) {
      expect((await buildProgram(args)).commands.map((c) => c.name())).toEqual(all);
    }
    for (const args of [["--version"], ["-V"]]) expect((await buildProgram(args)).commands).toEqual([]);
  });
});
