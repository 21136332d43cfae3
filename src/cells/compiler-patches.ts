// Seven edits to the compiler's source, made where the type checker's startup snapshot evaluates it
// (scripts/bundle-type-checker.mjs). Three let a program check new versions of its cell and of the earlier cells'
// declarations with the type checker it has (type-check.ts, ReplaceableProgram): a new checker first merges the
// global declarations of every library file (~160), which was ~60% of a one-line cell's check; the program swaps the
// files in and binds them, and the checker forgets what it kept of the old ones by name (their diagnostics).
// The other four are about memory and time. A check that builds a program and a type checker: V8's young-generation
// collection keeps whatever an object in the old generation points to, dead or alive, until a full collection, and
// three things the compiler builds on every check land in the old generation pointing into that check's objects:
// - the type checker's `noIterationTypes`, an object literal with getters, whose accessor pair V8 allocates in the
//   old generation: the getters' closure scope is the whole type checker;
// - the options `getCreateSourceFileOptions` spreads for every file of the program (~160), whose hidden classes are
//   made anew, in the old generation, each time;
// - `getUnmatchedProperties`, a generator inside the type checker (so a new function for each checker), called by
//   most assignability checks (a cell calling `[1].map(...)`): the first call of a generator function makes its
//   initial hidden class, in the old generation, which refers to that function and so to the whole checker.
// Kept, each check's checker (~0.5 MB) was copied by the young collector and then promoted: a 10–16 ms pause every
// ten checks, and a heap that grew until a full collection. With these edits, the host's `resolveLibrary`
// (type-check.ts) and no allocation-site pretenuring in the checker's process (type-check-process.ts), 40–60 KB of a
// check reaches the old generation (test/cells/compiler-patches.test.ts). One edit saves time, not memory: the
// module format of every library file (looked up through package.json files) was worked out again for each program,
// ~15% of a trivial check's CPU; it is kept per package.json cache (a cleared cache starts a new one).
// The edits keep the compiler's behaviour: `noIterationTypes` is a marker compared by identity within one checker,
// whose getters only throw; the options object gets the same properties, in the same order; the module format is the
// one the same cache gave before; the unmatched properties are the same, in the same order (all of them are worked
// out where the first was enough: only where a type does not match). The other three add methods that only
// type-check.ts calls; a cell checked through them gets the diagnostics a new program's checker gives (the test runs
// a session's cells both ways).

/** One edit: `find` must occur exactly once in the compiler's source. */
export interface CompilerPatch {
  name: string;
  find: string;
  replace: string;
}

/** The type checker's `noIterationTypes` as TypeScript 5.x writes it, inside `createTypeChecker`. */
const NO_ITERATION_TYPES = `  var noIterationTypes = {
    get yieldType() {
      return Debug.fail("Not supported");
    },
    get returnType() {
      return Debug.fail("Not supported");
    },
    get nextType() {
      return Debug.fail("Not supported");
    }
  };`;

/** The type checker's `getUnmatchedProperties`, a generator, as TypeScript 5.9 writes it inside `createTypeChecker`. */
const GET_UNMATCHED_PROPERTIES = `  function* getUnmatchedProperties(source, target, requireOptionalProperties, matchDiscriminantProperties) {
    const properties = getPropertiesOfType(target);
    for (const targetProp of properties) {
      if (isStaticPrivateIdentifierProperty(targetProp)) {
        continue;
      }
      if (requireOptionalProperties || !(targetProp.flags & 16777216 /* Optional */ || getCheckFlags(targetProp) & 48 /* Partial */)) {
        const sourceProp = getPropertyOfType(source, targetProp.escapedName);
        if (!sourceProp) {
          yield targetProp;
        } else if (matchDiscriminantProperties) {
          const targetType = getTypeOfSymbol(targetProp);
          if (targetType.flags & 109472 /* Unit */) {
            const sourceType = getTypeOfSymbol(sourceProp);
            if (!(sourceType.flags & 1 /* Any */ || getRegularTypeOfLiteralType(sourceType) === getRegularTypeOfLiteralType(targetType))) {
              yield targetProp;
            }
          }
        }
      }
    }
  }`;

export const COMPILER_PATCHES: readonly CompilerPatch[] = [
  {
    name: "noIterationTypes made once, outside the type checker",
    find: NO_ITERATION_TYPES,
    // The same object literal, made by the first checker and kept on the compiler's own Debug namespace (the one outer
    // name the original text uses).
    replace: NO_ITERATION_TYPES.replace("var noIterationTypes = {", "var noIterationTypes = Debug.cellflowNoIterationTypes ??= ({").replace(/\};$/, "});"),
  },
  {
    name: "source file options built without a spread",
    find: `    return typeof result === "object" ? { ...result, languageVersion, setExternalModuleIndicator: setExternalModuleIndicator2, jsDocParsingMode: host2.jsDocParsingMode }`,
    replace: `    return typeof result === "object" ? { impliedNodeFormat: result.impliedNodeFormat, packageJsonLocations: result.packageJsonLocations, packageJsonScope: result.packageJsonScope, languageVersion, setExternalModuleIndicator: setExternalModuleIndicator2, jsDocParsingMode: host2.jsDocParsingMode }`,
  },
  {
    name: "module format of library files worked out once per package.json cache",
    find: `    const result = getImpliedNodeFormatForFileWorker(getNormalizedAbsolutePath(fileName, currentDirectory), moduleResolutionCache2 == null ? void 0 : moduleResolutionCache2.getPackageJsonInfoCache(), host2, options2);`,
    // Kept by the package.json cache's own map (a new one once the cache is cleared) and the options object: what the
    // worked-out format depends on, with the file and host (one per checker).
    replace: `    const packageJsonInfoCache2 = moduleResolutionCache2 == null ? void 0 : moduleResolutionCache2.getPackageJsonInfoCache();
    const normalizedFileName = getNormalizedAbsolutePath(fileName, currentDirectory);
    const knownPackageJsons = packageJsonInfoCache2 == null ? void 0 : packageJsonInfoCache2.getInternalMap();
    let formats;
    if (knownPackageJsons) {
      const byCache = getImpliedNodeFormatForFileWorker.cellflowFormats ?? (getImpliedNodeFormatForFileWorker.cellflowFormats = new WeakMap());
      const byOptions = byCache.get(knownPackageJsons) ?? byCache.set(knownPackageJsons, new WeakMap()).get(knownPackageJsons);
      formats = byOptions.get(options2) ?? byOptions.set(options2, new Map()).get(options2);
    }
    let result;
    if (formats && formats.has(normalizedFileName)) result = formats.get(normalizedFileName);
    else {
      result = getImpliedNodeFormatForFileWorker(normalizedFileName, packageJsonInfoCache2, host2, options2);
      if (formats) formats.set(normalizedFileName, result);
    }`,
  },
  {
    name: "getUnmatchedProperties returns an array, not a generator",
    find: GET_UNMATCHED_PROPERTIES,
    // The same loop, collecting what it yielded; its callers take any iterable (arrayFrom, firstOrUndefinedIterator).
    replace: GET_UNMATCHED_PROPERTIES.replace("function* getUnmatchedProperties(", "function getUnmatchedProperties(")
      .replace("const properties = getPropertiesOfType(target);", "const unmatched = [];\n    const properties = getPropertiesOfType(target);")
      .replaceAll("yield targetProp;", "unmatched.push(targetProp);")
      .replace(/\n {2}\}$/, "\n    return unmatched;\n  }"),
  },
  {
    name: "a diagnostic collection forgets a file",
    find: `    getGlobalDiagnostics,
    getDiagnostics: getDiagnostics2
  };`,
    replace: `    getGlobalDiagnostics,
    getDiagnostics: getDiagnostics2,
    cellflowForget(fileName) {
      if (!fileDiagnostics.delete(fileName)) return;
      const at = filesWithDiagnostics.indexOf(fileName);
      if (at >= 0) filesWithDiagnostics.splice(at, 1);
    }
  };`,
  },
  {
    name: "a type checker forgets a file's diagnostics",
    find: `  const checker = {
    getNodeCount:`,
    // What the checker keeps by a file's name or path: its diagnostics and the identifiers it would check for use.
    replace: `  const checker = {
    cellflowForgetFile: (file) => {
      diagnostics.cellflowForget(file.fileName);
      suggestionDiagnostics.cellflowForget(file.fileName);
      allPotentiallyUnusedIdentifiers.delete(file.path);
    },
    getNodeCount:`,
  },
  {
    name: "a program checks new versions of its files with its own type checker",
    // Only where the new versions make the checker read nothing the old ones did not: the same imports (the program
    // resolved those by the file's path), no `///` references, no global or module augmentations (a checker merges
    // those once, when made), on both versions, and modules both; false, the program unchanged, otherwise.
    find: `  const program = {
    getRootFileNames: () => rootNames,`,
    replace: `  function cellflowReplaceFiles(newFiles) {
    const references = (f) => f.referencedFiles.length + f.typeReferenceDirectives.length + f.libReferenceDirectives.length;
    const augments = (f) => f.moduleAugmentations.length + f.ambientModuleNames.length > 0;
    const imports = (f) => f.imports.map((name) => name.text + "\\0" + getModeForUsageLocation2(f, name)).sort().join("\\n");
    const swaps = [];
    for (const file of newFiles) {
      const path = toPath3(file.fileName);
      const old = filesByName.get(path);
      const at = old ? files.indexOf(old) : -1;
      if (at < 0 || old === file || file.isDeclarationFile || old.isDeclarationFile || !isExternalModule(file) || !isExternalModule(old)) return false;
      if (file.scriptKind !== old.scriptKind || file.languageVersion !== old.languageVersion || file.hasNoDefaultLib || old.hasNoDefaultLib) return false;
      if (references(file) > 0 || references(old) > 0) return false;
      collectExternalModuleReferences(file);
      if (augments(file) || augments(old) || imports(file) !== imports(old)) return false;
      swaps.push({ file, old, path, at });
    }
    for (const { file } of swaps) {
      bindSourceFile(file, options);
      if (file.patternAmbientModules?.length || file.symbol?.globalExports) return false;
    }
    for (const { file, old, path, at } of swaps) {
      file.path = old.path;
      file.resolvedPath = old.resolvedPath;
      file.originalFileName = old.originalFileName;
      file.packageJsonLocations = old.packageJsonLocations;
      file.packageJsonScope = old.packageJsonScope;
      files[at] = file;
      filesByName.set(path, file);
      if (filesByNameIgnoreCase) filesByNameIgnoreCase.set(toFileNameLowerCase(path), file);
      cachedBindAndCheckDiagnosticsForFile?.delete(path);
      cachedDeclarationDiagnosticsForFile?.delete(path);
      typeChecker?.cellflowForgetFile(old);
    }
    return true;
  }
  const program = {
    cellflowReplaceFiles,
    getRootFileNames: () => rootNames,`,
  },
];

/**
 * The compiler's source with every patch that applies; `applied` names them. A
 * patch whose text is not found (another TypeScript version) is skipped: the checker works the same, its collections
 * cost more. test/cells/compiler-patches.test.ts checks that all apply to the installed TypeScript.
 */
export function patchCompilerSource(source: string): { source: string; applied: string[] } {
  const applied: string[] = [];
  let out = source;
  for (const patch of COMPILER_PATCHES) {
    const at = out.indexOf(patch.find);
    if (at < 0 || out.indexOf(patch.find, at + 1) >= 0) continue;
    out = out.slice(0, at) + patch.replace + out.slice(at + patch.find.length);
    applied.push(patch.name);
  }
  return { source: out, applied };
}
