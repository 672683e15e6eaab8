/**
 * How a task is named on screen. Managers see real ids; people who work on tasks get a per-person handle
 * (2^52 plus a keyed permutation of the id, so gold tasks do not stand out by number), shown as a short
 * code in three groups instead of a sixteen-digit number.
 */
const HANDLE_BASE = 2 ** 52;

export function taskLabel(id) {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < HANDLE_BASE) return String(id);
  const code = (id - HANDLE_BASE).toString(36).toUpperCase().padStart(11, "0");
  return `${code.slice(0, 3)}-${code.slice(3, 7)}-${code.slice(7)}`;
}
