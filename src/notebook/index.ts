// Notebook files: read/validate/write back .ipynb, and papermill-style parameter injection.

export { appendCodeCells, parseNotebook, readNotebook, updateNotebook, type CellUpdate, type Notebook, type NotebookCell } from "./ipynb.js";
export { INJECTED_TAG, PARAMETERS_TAG, checkNotebookParameters, declaredParameters, injectParameters, withParameters } from "./parameters.js";
