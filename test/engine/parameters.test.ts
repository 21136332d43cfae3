import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { parseParamPairs } from "../../src/runner/params.js";
import { CellflowError, flow } from "../../src/index.js";
import { flushed, freshStore } from "./helpers.js";

beforeEach(() => {
  freshStore();
});

const schema = z.object({
  size: z.coerce.number().int().positive(),
  months: z.array(z.coerce.number().int().min(1).max(12)).default([1]),
  color: z.enum(["red", "green"]).default("red"),
});

function ingest() {
  const seen: unknown[] = [];
  const f = flow({ name: "ingest", parameters: schema }, async (p: z.infer<typeof schema>) => {
    seen.push(p);
    return p.size * 2;
  });
  return { f, seen };
}

describe("flow parameters", () => {
  it("are validated and coerced by the zod schema before the body runs", async () => {
    const { f, seen } = ingest();
    const run = await f.run({ size: "10", months: ["1", 2, "3"] } as never);
    expect(run.state.name).toBe("Completed");
    expect(seen).toEqual([{ size: 10, months: [1, 2, 3], color: "red" }]);
    expect(run.result).toBe(20);
    expect(run.parameters).toEqual({ size: 10, months: [1, 2, 3], color: "red" });
    expect(flushed().findFlowRun(run.id).parameters).toEqual({ size: 10, months: [1, 2, 3], color: "red" });
  });

  it("CLI-style pairs parse as JSON when they can, then the schema coerces", async () => {
    expect(parseParamPairs(["months=[1,2,3]", "color=green", "size=10", "name=a=b"])).toEqual({ months: [1, 2, 3], color: "green", size: 10, name: "a=b" });
    expect(() => parseParamPairs(["oops"])).toThrow("parameter 'oops' is not key=value");
    const { f } = ingest();
    expect((await f.run(parseParamPairs(["size=3", "months=[4]"]) as never)).result).toBe(6);
  });

  const bad: Array<{ params: Record<string, unknown>; message: string }> = [
    { params: { size: "abc" }, message: "flow 'ingest': parameter `size` is invalid: " },
    { params: { size: 1, months: [1, 13] }, message: "flow 'ingest': parameter `months.1` is invalid: " },
    { params: { size: 1, color: "blue" }, message: "flow 'ingest': parameter `color` is invalid: " },
    { params: {}, message: "flow 'ingest': parameter `size` is invalid: " },
  ];
  it.each(bad)("a bad value $params is refused naming the parameter, and no run is created", async ({ params, message }) => {
    const { f, seen } = ingest();
    const error = await f.run(params as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CellflowError);
    expect((error as CellflowError).code).toBe("BAD_PARAMETERS");
    expect((error as CellflowError).message.startsWith(message)).toBe(true);
    expect((error as CellflowError).hint).toMatch(/^pass a valid value, e\.g\. -p /);
    expect(seen).toEqual([]);
    expect(flushed().listFlowRuns()).toEqual([]);
  });

  it("the error shows the value it got", async () => {
    const { f } = ingest();
    await expect(f.run({ size: "abc" } as never)).rejects.toThrow(/got "abc"/);
    await expect(f.run({} as never)).rejects.toThrow(/got nothing/);
  });

  it("calling the flow directly rejects the same way", async () => {
    const { f } = ingest();
    await expect(f({ size: -2 } as never)).rejects.toMatchObject({ code: "BAD_PARAMETERS" });
    expect(flushed().listFlowRuns()).toEqual([]);
  });

  it("a flow takes one parameters object, not an array", async () => {
    const f = flow("f", async () => 1);
    await expect(f.run([1, 2] as never)).rejects.toThrow("flow 'f' takes one parameters object, got an array");
    expect(flushed().listFlowRuns()).toEqual([]);
  });
});

describe("strict parameter names", () => {
  it("known names: a zod object's keys, else the keys the flow destructures; unknowable ones check nothing", async () => {
    const { flowParameterNames } = await import("../../src/engine/parameters.js");
    expect(flowParameterNames(schema, () => 0)).toEqual(["size", "months", "color"]);
    expect(flowParameterNames(undefined, async ({ rows = 3, label = "a,}" }: { rows?: number; label?: string }) => rows + label)).toEqual(["rows", "label"]);
    expect(flowParameterNames(undefined, function named({ a }: { a: number }) { return a; })).toEqual(["a"]);
    expect(flowParameterNames(undefined, async () => 1)).toEqual([]);
    expect(flowParameterNames(undefined, async (p: Record<string, unknown>) => p)).toBeNull();
    expect(flowParameterNames(undefined, async ({ a, ...rest }: Record<string, unknown>) => [a, rest])).toBeNull();
  });

  it("an unknown name is refused with the known names and the closest one", async () => {
    const { checkFlowParameterNames } = await import("../../src/engine/parameters.js");
    const { f } = ingest();
    expect(() => checkFlowParameterNames(f.definition, { sizee: 5 })).toThrow("unknown parameter 'sizee' for flow ingest; known: size, months, color — did you mean 'size'?");
    expect(() => checkFlowParameterNames(f.definition, { size: 5, color: "red" })).not.toThrow();
    let caught: unknown;
    try {
      checkFlowParameterNames(f.definition, { zzz: 1, sizee: 2 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CellflowError);
    expect((caught as CellflowError).code).toBe("BAD_PARAMETERS");
    expect((caught as CellflowError).message).toBe("unknown parameter 'zzz' (and 'sizee') for flow ingest; known: size, months, color — use one of: size, months, color");
  });
});
