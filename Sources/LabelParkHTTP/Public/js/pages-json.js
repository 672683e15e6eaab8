// A strict JSON reader for the schema editor. Unlike JSON.parse it says where a syntax error is (line and
// column, in words we can translate) and remembers where every value sits in the text, so an error the
// server reports for `schema.questions[1].options` can select exactly that part of the editor.
// It rejects duplicate keys, as the server's parser does (JSON.parse would silently keep the last one).

/** A syntax error at `offset` (UTF-16 index into the text), with 1-based `line` and `column`. */
export class JSONLocatedError extends Error {
  constructor(reason, offset, text, detail = "") {
    super(reason);
    this.name = "JSONLocatedError";
    /** One of the `newProject.json.*` translation keys' last part. */
    this.reason = reason;
    this.offset = offset;
    this.detail = detail;
    const before = text.slice(0, offset);
    const lineStart = before.lastIndexOf("\n") + 1;
    this.line = before.split("\n").length;
    this.column = offset - lineStart + 1;
  }
}

/**
 * Parses `text` as one JSON value.
 *
 * Returns `{value, locations}`: `locations` maps a path (`root`, `root.key`, `root.list[2]`) to
 * `{start, end}` offsets of the value's text, plus `keyStart`/`keyEnd` for object members.
 * Throws `JSONLocatedError` on the first syntax error.
 */
export function parseLocated(text, root = "schema") {
  const locations = new Map();
  let index = 0;
  const maxDepth = 64;

  const fail = (reason, at = index, detail = "") => {
    throw new JSONLocatedError(reason, at, text, detail);
  };

  function skipSpace() {
    while (index < text.length) {
      const c = text.charCodeAt(index);
      // space, tab, line feed, carriage return are the only JSON whitespace
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) index += 1;
      else break;
    }
  }

  function describe(at) {
    if (at >= text.length) return "";
    return String.fromCodePoint(text.codePointAt(at));
  }

  function parseValue(path, depth) {
    skipSpace();
    if (index >= text.length) fail("unexpectedEnd");
    if (depth > maxDepth) fail("tooDeep");
    const start = index;
    const c = text[index];
    let value;
    if (c === "{") value = parseObject(path, depth);
    else if (c === "[") value = parseArray(path, depth);
    else if (c === '"') value = parseString();
    else if (c === "-" || (c >= "0" && c <= "9")) value = parseNumber();
    else if (text.startsWith("true", index)) {
      index += 4;
      value = true;
    } else if (text.startsWith("false", index)) {
      index += 5;
      value = false;
    } else if (text.startsWith("null", index)) {
      index += 4;
      value = null;
    } else if (c === "'") fail("singleQuote");
    else fail("unexpectedCharacter", index, describe(index));
    const previous = locations.get(path) ?? {};
    locations.set(path, { ...previous, start, end: index });
    return value;
  }

  function parseObject(path, depth) {
    index += 1;
    const result = {};
    const seen = new Set();
    skipSpace();
    if (text[index] === "}") {
      index += 1;
      return result;
    }
    for (;;) {
      skipSpace();
      if (index >= text.length) fail("unexpectedEnd");
      if (text[index] === "}") fail("trailingComma");
      if (text[index] !== '"') fail(text[index] === "'" ? "singleQuote" : "expectedKey", index, describe(index));
      const keyStart = index;
      const key = parseString();
      const keyEnd = index;
      if (seen.has(key)) fail("duplicateKey", keyStart, key);
      seen.add(key);
      skipSpace();
      if (text[index] !== ":") fail(index >= text.length ? "unexpectedEnd" : "expectedColon", index, describe(index));
      index += 1;
      const memberPath = `${path}.${key}`;
      locations.set(memberPath, { keyStart, keyEnd });
      // Assigning through defineProperty keeps a key named "__proto__" an ordinary member.
      Object.defineProperty(result, key, {
        value: parseValue(memberPath, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      skipSpace();
      if (text[index] === ",") {
        index += 1;
        continue;
      }
      if (text[index] === "}") {
        index += 1;
        return result;
      }
      fail(index >= text.length ? "unexpectedEnd" : "expectedCommaOrBrace", index, describe(index));
    }
  }

  function parseArray(path, depth) {
    index += 1;
    const result = [];
    skipSpace();
    if (text[index] === "]") {
      index += 1;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[index] === "]") fail("trailingComma");
      result.push(parseValue(`${path}[${result.length}]`, depth + 1));
      skipSpace();
      if (text[index] === ",") {
        index += 1;
        continue;
      }
      if (text[index] === "]") {
        index += 1;
        return result;
      }
      fail(index >= text.length ? "unexpectedEnd" : "expectedCommaOrBracket", index, describe(index));
    }
  }

  function parseString() {
    const start = index;
    index += 1;
    let result = "";
    for (;;) {
      if (index >= text.length) fail("unterminatedString", start);
      const c = text.charCodeAt(index);
      if (c === 0x22) {
        index += 1;
        return result;
      }
      if (c < 0x20) fail("controlCharacter");
      if (c === 0x5c) {
        const escape = text[index + 1];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (escape in simple) {
          result += simple[escape];
          index += 2;
        } else if (escape === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
          result += String.fromCharCode(Number.parseInt(text.slice(index + 2, index + 6), 16));
          index += 6;
        } else {
          fail("badEscape");
        }
        continue;
      }
      result += text[index];
      index += 1;
    }
  }

  function parseNumber() {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(index, index + 400));
    if (!match) fail("badNumber");
    const after = text[index + match[0].length];
    if (after !== undefined && /[0-9.eE+\-]/.test(after)) fail("badNumber", index + match[0].length);
    index += match[0].length;
    return Number(match[0]);
  }

  const value = parseValue(root, 0);
  skipSpace();
  if (index < text.length) fail("trailingContent", index, describe(index));
  return { value, locations };
}

/**
 * The text range to select for an error at `path`: the value itself, or for an unknown key the key,
 * or the nearest enclosing value that exists (a missing member points at its object).
 */
export function rangeForPath(locations, path) {
  let current = path;
  while (current) {
    const location = locations.get(current);
    if (location) {
      // A member is selected from its key to the end of its value, so "unknown key" shows the key.
      const start = location.keyStart ?? location.start;
      const end = location.end ?? location.keyEnd;
      if (start !== undefined && end !== undefined) return { start, end };
    }
    const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
    if (cut <= 0) break;
    current = current.slice(0, cut);
  }
  return null;
}

/** Line and column (1-based) of a UTF-16 offset. */
export function lineAndColumn(text, offset) {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}
