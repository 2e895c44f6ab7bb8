/**
 * Finds where and why a JSON text is invalid. Bun's `JSON.parse` errors carry no position, so
 * when a record fails to parse this small validator (run only on that failure path) locates the
 * first syntax error and describes it in plain words.
 */

/** The first syntax error of a JSON text. */
export interface JsonSyntaxError {
  /** UTF-16 offset into the text. */
  offset: number;
  /** What is wrong, for a user. */
  message: string;
}

const WS_SPACE = 32;
const WS_TAB = 9;
const WS_LF = 10;
const WS_CR = 13;

function describe(text: string, i: number): string {
  if (i >= text.length) return "the end of the record";
  const code = text.codePointAt(i)!;
  if (code < 0x20 || code === 0x2028 || code === 0x2029 || code === 0xfeff || code === 0x7f) {
    return `character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `'${String.fromCodePoint(code)}'`;
}

/**
 * Validates `text` as one JSON value (RFC 8259) and returns its first error, or `undefined`
 * when it is valid. Iterative, so deep nesting cannot overflow the stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  const fail = (offset: number, message: string): JsonSyntaxError => ({ offset, message });
  const skipWs = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== WS_SPACE && c !== WS_TAB && c !== WS_LF && c !== WS_CR) break;
    }
  };
  // Reads a string starting at the opening quote; returns an error or advances `i`.
  const readString = (): JsonSyntaxError | undefined => {
    const start = i;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c === 92) {
        const e = text.charCodeAt(i + 1);
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            return fail(i, "invalid \\u escape in a string: it needs four hex digits");
          }
          i += 6;
          continue;
        }
        if (
          e === 34 ||
          e === 92 ||
          e === 47 ||
          e === 98 ||
          e === 102 ||
          e === 110 ||
          e === 114 ||
          e === 116
        ) {
          i += 2;
          continue;
        }
        if (i + 1 >= n) break;
        return fail(i, `invalid escape sequence '\\${text[i + 1]}' in a string`);
      }
      if (c < 0x20) {
        return fail(i, `unescaped control ${describe(text, i)} in a string (write it as an escape)`);
      }
      i++;
    }
    return fail(start, "unterminated string: the closing '\"' is missing");
  };
  const readNumber = (): JsonSyntaxError | undefined => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === "-") return fail(i, `invalid number starting at ${describe(text, i)}`);
    i += match[0].length;
    const next = text.charCodeAt(i);
    if ((next >= 48 && next <= 57) || next === 46 || next === 101 || next === 69) {
      return fail(i, `invalid number: unexpected ${describe(text, i)}`);
    }
    return undefined;
  };
  const readKey = (): JsonSyntaxError | undefined => {
    skipWs();
    if (i >= n) return fail(i, "unexpected end of the record: expected a property name");
    if (text.charCodeAt(i) !== 34) {
      return fail(i, `expected a property name in double quotes, found ${describe(text, i)}`);
    }
    const error = readString();
    if (error) return error;
    skipWs();
    if (text.charCodeAt(i) !== 58) {
      return fail(i, `expected ':' after a property name, found ${describe(text, i)}`);
    }
    i++;
    return undefined;
  };

  for (;;) {
    // Expecting a value.
    skipWs();
    if (i >= n) {
      return fail(
        i,
        stack.length === 0 ? "the record is empty" : "unexpected end of the record: a value is missing",
      );
    }
    const c = text.charCodeAt(i);
    let error: JsonSyntaxError | undefined;
    if (c === 123) {
      i++;
      skipWs();
      if (text.charCodeAt(i) === 125) i++;
      else {
        stack.push(125);
        error = readKey();
        if (error) return error;
        continue;
      }
    } else if (c === 91) {
      i++;
      skipWs();
      if (text.charCodeAt(i) === 93) i++;
      else {
        stack.push(93);
        continue;
      }
    } else if (c === 34) error = readString();
    else if (c === 45 || (c >= 48 && c <= 57)) error = readNumber();
    else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else if (/[a-zA-Z]/.test(text[i]!)) {
      const word = /^[a-zA-Z0-9_$]+/.exec(text.slice(i, i + 40))![0];
      return fail(i, `unexpected word '${word}' (JSON allows only true, false and null)`);
    } else return fail(i, `unexpected ${describe(text, i)} where a value was expected`);
    if (error) return error;

    // After a value: close containers or move to the next element.
    for (;;) {
      skipWs();
      const close = stack[stack.length - 1];
      if (close === undefined) {
        return i < n ? fail(i, `unexpected ${describe(text, i)} after the end of the JSON value`) : undefined;
      }
      const closeChar = String.fromCharCode(close);
      if (i >= n) return fail(i, `unexpected end of the record: '${closeChar}' is missing`);
      const d = text.charCodeAt(i);
      if (d === close) {
        stack.pop();
        i++;
        continue;
      }
      if (d !== 44) {
        return fail(i, `expected ',' or '${closeChar}' after a value, found ${describe(text, i)}`);
      }
      const comma = i;
      i++;
      skipWs();
      if (text.charCodeAt(i) === close) return fail(comma, `trailing comma before '${closeChar}'`);
      if (close === 125) {
        error = readKey();
        if (error) return error;
      }
      break;
    }
  }
}

/** Line (0-based, relative) and column (1-based) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let nl = text.indexOf("\n"); nl !== -1 && nl < offset; nl = text.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
