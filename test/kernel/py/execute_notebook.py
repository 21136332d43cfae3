"""Execute a notebook with nbclient (what `jupyter nbconvert --execute` uses) and print its outputs as JSON.

usage: execute_notebook.py <notebook.ipynb> <kernel name> <cwd>
"""
import json
import sys

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from kernel_start import shut_down, start_kernel

path, kernel_name, cwd = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
# Started here, ready on every channel (kernel_start.py), then handed to nbclient, which runs the cells on it.
km = start_kernel(kernel_name, cwd, manager_class=AsyncKernelManager)
client = NotebookClient(nb, km=km, kernel_name=kernel_name, timeout=120, resources={"metadata": {"path": cwd}})
error = None
try:
    client.execute()
except Exception as exc:  # a cell error not tagged raises-exception
    error = f"{type(exc).__name__}: {exc}"
finally:
    shut_down(km)


def text(output):
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}"
    data = output.get("data", {})
    return data.get("text/plain", "")


cells = [
    {"outputs": [{"type": o["output_type"], "text": text(o), "html": o.get("data", {}).get("text/html", "")} for o in c.get("outputs", [])]}
    for c in nb.cells
    if c.cell_type == "code"
]
print(json.dumps({"error": error, "cells": cells}))
