// The cell runtime's public surface: run TypeScript cells with a scope kept across cells.

export { CellRuntime, type CellError, type CellOutcome, type CellRuntimeOptions, type RunCellOptions } from "./runtime.js";
export { checkFailure, describeDiagnostic, typeCheckCells, typeErrorOf, TYPECHECK_MODES, type CellDiagnostic, type TypecheckMode } from "./type-check.js";
