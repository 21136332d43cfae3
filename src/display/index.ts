// The notebook display helpers' public surface (re-exported by the package entry).

export { display, clearOutput, isDisplayHandle, type Display, type DisplayHandle } from "./display.js";
export { installDisplaySink, currentDisplaySink, type DisplaySink, type DisplayOutput, type MimeBundle } from "./sink.js";
export { formatResult, formatDisplay } from "./format.js";
export { renderDag, stateColor, type DagBundle, type RenderDagOptions } from "./dag.js";
export { createLiveDag, type LiveDag, type LiveDagOptions } from "./live-dag.js";
export { useTslabDisplay, type TslabModule } from "./tslab.js";
