// Process-wide singletons shared by every copy of the cellflow package loaded in one process
// (a user's flow file may import its own installed copy; both must see one engine and one run context).

export function globalSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`cellflow.${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    holder[key] = value;
  }
  return value;
}
