// Span marking on a text field: offsets in Unicode code points (what the server counts), highlights drawn
// by cutting the text once at span boundaries, and mouse and keyboard selection turned into offsets.

/**
 * Converts between code-point offsets (the contract's unit) and the UTF-16 indices JavaScript strings and
 * DOM ranges use. Text without astral characters needs no table: both units agree.
 */
export class TextIndex {
  constructor(text) {
    this.text = text;
    // Only a surrogate pair makes the two units differ; a lone surrogate counts as one of each.
    if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text)) {
      this.length = text.length;
      this.utf16Starts = null;
      return;
    }
    const starts = new Int32Array(text.length + 1);
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      starts[count++] = i;
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
    }
    starts[count] = text.length;
    this.length = count;
    this.utf16Starts = starts.subarray(0, count + 1);
  }

  /** The UTF-16 index where code point `offset` starts (`length` maps to the end of the text). */
  toUTF16(offset) {
    const clamped = Math.max(0, Math.min(offset, this.length));
    return this.utf16Starts ? this.utf16Starts[clamped] : clamped;
  }

  /** The code-point offset of UTF-16 index `index`; an index inside a surrogate pair rounds down. */
  toCodePoint(index) {
    if (!this.utf16Starts) return Math.max(0, Math.min(index, this.length));
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.utf16Starts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** The text of code points `start..<end`. */
  slice(start, end) {
    return this.text.slice(this.toUTF16(start), this.toUTF16(end));
  }
}

/**
 * Cuts `from..<to` (default: the whole `0..<length`) at every span boundary inside it. Returns the pieces in
 * order, each `{start, end, cover}` with `cover` the indices (into `spans`) of the spans containing the
 * piece. Linear in pieces × nesting depth, after sorting the spans that reach into the range.
 */
export function segmentText(length, spans, from = 0, to = length) {
  const cuts = new Set([from, to]);
  const reaching = [];
  spans.forEach((span, index) => {
    if (span.start >= to || span.end <= from) return;
    reaching.push(index);
    if (span.start > from) cuts.add(span.start);
    if (span.end < to) cuts.add(span.end);
  });
  const points = Int32Array.from(cuts).sort();
  reaching.sort((a, b) => spans[a].start - spans[b].start);
  const pieces = [];
  let active = [];
  let next = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const start = points[k];
    const end = points[k + 1];
    if (end <= start || start >= length) continue;
    active = active.filter((index) => spans[index].end > start);
    while (next < reaching.length && spans[reaching[next]].start <= start) {
      if (spans[reaching[next]].end > start) active.push(reaching[next]);
      next++;
    }
    pieces.push({ start, end, cover: active.slice() });
  }
  return pieces;
}

/**
 * Why `candidate` may not join `existing` under the question's overlap rule ("none", "nested", "any"):
 * `{kind: "duplicate"|"overlap"|"cross", other}` naming the first span in the way, or null when allowed.
 */
export function overlapConflict(existing, candidate, rule) {
  for (const other of existing) {
    if (other.start === candidate.start && other.end === candidate.end && other.label === candidate.label) {
      return { kind: "duplicate", other };
    }
  }
  if (rule === "any") return null;
  for (const other of existing) {
    const shares = other.start < candidate.end && candidate.start < other.end;
    if (!shares) continue;
    if (rule === "none") return { kind: "overlap", other };
    const nests =
      (other.start <= candidate.start && candidate.end <= other.end) ||
      (candidate.start <= other.start && other.end <= candidate.end);
    if (!nests) return { kind: "cross", other };
  }
  return null;
}

/** Spans in reading order: by start, the longer first, then by label. */
export function compareSpans(a, b) {
  return a.start - b.start || b.end - a.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

const whitespace = /\s/u;

/**
 * Longest text node the views create. Chromium lays out one huge text node of mixed scripts far more slowly
 * than the same text in pieces (100 KB: about 1.5 s whole, 0.15 s in pieces of this size).
 */
export const maxTextNodeLength = 1_000;

/** Cuts UTF-16 range `from..<to` of `text` into `[start, end)` chunks of at most `maxTextNodeLength`. */
export function textChunks(text, from, to, size = maxTextNodeLength) {
  const chunks = [];
  let start = from;
  while (start < to) {
    let end = Math.min(to, start + size);
    // Never split a surrogate pair across two nodes.
    if (end < to && end > start + 1) {
      const unit = text.charCodeAt(end - 1);
      if (unit >= 0xd800 && unit <= 0xdbff) end--;
    }
    chunks.push([start, end]);
    start = end;
  }
  return chunks;
}

/** Fills `element` with `text` as chunked text nodes (see `maxTextNodeLength`). */
export function appendLongText(element, text) {
  const nodes = textChunks(text, 0, text.length).map(([start, end]) => document.createTextNode(text.slice(start, end)));
  element.replaceChildren(...nodes);
}

/**
 * The text of one field with highlights, inside `element` (which must hold nothing else). Knows how to map
 * a DOM selection to code-point offsets and back, and keeps a keyboard caret for marking without a mouse.
 */
export class SpanText {
  constructor(element, text) {
    this.element = element;
    this.index = new TextIndex(text);
    /** The drawn pieces in order: `{start, end, utf16, tops, texts}` (code points; top-level nodes; text nodes). */
    this.pieces = [];
    /** Text node → its UTF-16 start in the whole text. */
    this.textStarts = new WeakMap();
    // The keyboard selection, inclusive of both ends' characters; null until the arrows are used.
    this.caret = null;
    // Where the caret starts when the arrows are next used: after the last span marked.
    this.resume = 0;
    this.render([]);
  }

  /** The number of code points. */
  get length() {
    return this.index.length;
  }

  /**
   * Draws the text with highlights for `marks` (`{start, end, colour, title}`), replacing all of it.
   * Pieces outside every mark stay plain text nodes, so a long text costs a few nodes per boundary.
   */
  render(marks) {
    const { fragment, pieces } = this.build(0, this.index.length, marks);
    this.element.replaceChildren(fragment);
    this.pieces = pieces;
  }

  /**
   * Redraws only the pieces around code points `start..<end`, where marks changed (one was added or
   * removed); `marks` is the complete new list. Adding a span to a long document then costs a few nodes.
   */
  update(marks, start, end) {
    if (this.pieces.length === 0 || start >= end) return this.render(marks);
    const first = this.pieceAt(start);
    const last = this.pieceAt(end - 1);
    const { fragment, pieces } = this.build(this.pieces[first].start, this.pieces[last].end, marks);
    const lastTops = this.pieces[last].tops;
    const after = lastTops[lastTops.length - 1].nextSibling;
    for (let i = first; i <= last; i++) for (const top of this.pieces[i].tops) top.remove();
    this.element.insertBefore(fragment, after);
    this.pieces.splice(first, last - first + 1, ...pieces);
  }

  /** The index of the piece holding code point `offset`. */
  pieceAt(offset) {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.pieces[middle].start <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** The nodes of code points `from..<to` for `marks`, and their piece records. */
  build(from, to, marks) {
    const fragment = document.createDocumentFragment();
    const pieces = [];
    const text = this.index.text;
    for (const piece of segmentText(this.index.length, marks, from, to)) {
      const utf16 = this.index.toUTF16(piece.start);
      const texts = [];
      for (const [start, end] of textChunks(text, utf16, this.index.toUTF16(piece.end))) {
        const node = document.createTextNode(text.slice(start, end));
        this.textStarts.set(node, start);
        texts.push(node);
      }
      let tops = texts;
      if (piece.cover.length > 0) {
        // The innermost (shortest) mark gives the colour; deeper nesting shows as an underline.
        let inner = marks[piece.cover[0]];
        for (const index of piece.cover) {
          const mark = marks[index];
          if (mark.end - mark.start <= inner.end - inner.start) inner = mark;
        }
        const highlight = document.createElement("mark");
        highlight.className = `lp-hl lp-c${inner.colour}` + (piece.cover.length > 1 ? " lp-deep" : "");
        highlight.title = piece.cover.map((index) => marks[index].title).join(" · ");
        highlight.append(...texts);
        tops = [highlight];
      }
      fragment.append(...tops);
      pieces.push({ start: piece.start, end: piece.end, utf16, tops, texts });
    }
    return { fragment, pieces };
  }

  /** The UTF-16 index, within the whole text, of DOM position (`node`, `offset`); null if outside. */
  utf16Position(node, offset) {
    if (!node) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      const start = this.textStarts.get(node);
      return start === undefined || !this.element.contains(node) ? null : start + offset;
    }
    if (node !== this.element && !this.element.contains(node)) return null;
    if (offset < node.childNodes.length) {
      // Before child `offset`: where that child's first text starts.
      const text = firstText(node.childNodes[offset]);
      return text ? this.utf16Position(text, 0) : null;
    }
    // The end of an element: after its last text.
    const text = lastText(node);
    if (text) return this.utf16Position(text, text.length);
    return node === this.element ? this.index.text.length : null;
  }

  /**
   * The code-point range `{start, end}` a DOM selection covers in this text, clipped to it and trimmed of
   * surrounding white space; null when it covers no visible character here.
   */
  offsetsOf(selection) {
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const whole = document.createRange();
    whole.selectNodeContents(this.element);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0) return null; // starts after the text
    if (range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) return null; // ends before it
    const startsInside = range.compareBoundaryPoints(Range.START_TO_START, whole) >= 0;
    const endsInside = range.compareBoundaryPoints(Range.END_TO_END, whole) <= 0;
    const from = startsInside ? this.utf16Position(range.startContainer, range.startOffset) : 0;
    const to = endsInside ? this.utf16Position(range.endContainer, range.endOffset) : this.index.text.length;
    if (from === null || to === null) return null;
    let start = this.index.toCodePoint(from);
    let end = this.index.toCodePoint(to);
    // A pair's low half selected alone still counts as its character.
    if (this.index.toUTF16(end) < to) end++;
    while (start < end && whitespace.test(this.index.slice(start, start + 1))) start++;
    while (end > start && whitespace.test(this.index.slice(end - 1, end))) end--;
    return end > start ? { start, end } : null;
  }

  /** The DOM position of UTF-16 index `index`. */
  domPosition(index) {
    if (this.pieces.length === 0) return { node: this.element, offset: 0 };
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.pieces[middle].utf16 <= index) low = middle;
      else high = middle - 1;
    }
    const texts = this.pieces[low].texts;
    let node = texts[0];
    for (const text of texts) if (this.textStarts.get(text) <= index) node = text;
    return { node, offset: Math.min(index - this.textStarts.get(node), node.length) };
  }

  /** Selects code points `start..<end` in the page and scrolls them into view. */
  select(start, end) {
    const from = this.domPosition(this.index.toUTF16(start));
    const to = this.domPosition(this.index.toUTF16(end));
    const selection = window.getSelection();
    selection.setBaseAndExtent(from.node, from.offset, to.node, to.offset);
    const range = selection.rangeCount > 0 ? selection.getRangeAt(0) : null;
    if (range) scrollIntoViewWithin(this.element, range.getBoundingClientRect());
  }

  /** The keyboard selection as `{start, end}`, or null when the caret is not in use. */
  caretRange() {
    if (!this.caret || this.index.length === 0) return null;
    const low = Math.min(this.caret.anchor, this.caret.focus);
    const high = Math.max(this.caret.anchor, this.caret.focus);
    return { start: low, end: high + 1 };
  }

  /** Forgets the keyboard selection (after marking it, or on Escape). */
  clearCaret() {
    this.caret = null;
    const selection = window.getSelection();
    if (selection && selection.rangeCount > 0 && this.element.contains(selection.anchorNode)) {
      selection.removeAllRanges();
    }
  }

  /**
   * Moves the keyboard caret for an arrow key (`direction` -1 or +1), by a character or, with
   * `byWord`, to the next word boundary; `extend` keeps the anchor. Returns whether anything moved.
   */
  moveCaret(direction, { extend = false, byWord = false } = {}) {
    const length = this.index.length;
    if (length === 0) return false;
    if (!this.caret) {
      const start = Math.min(this.startFromSelection() ?? this.resume, length - 1);
      this.caret = { anchor: start, focus: start };
      this.select(start, start + 1);
      return true;
    }
    let focus = this.caret.focus;
    focus = byWord ? this.wordStep(focus, direction) : focus + direction;
    focus = Math.max(0, Math.min(length - 1, focus));
    this.caret = { anchor: extend ? this.caret.anchor : focus, focus };
    const range = this.caretRange();
    this.select(range.start, range.end);
    return true;
  }

  /** Where a click or mouse selection left the page's caret in this text, if it did. */
  startFromSelection() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0) return null;
    const position = this.utf16Position(selection.anchorNode, selection.anchorOffset);
    if (position === null) return null;
    return Math.min(this.index.toCodePoint(position), this.index.length - 1);
  }

  /** The next word start after (or before) `offset`, looking at a window of text around it. */
  wordStep(offset, direction) {
    const windowSize = 200;
    const from = direction > 0 ? offset : Math.max(0, offset - windowSize);
    const to = direction > 0 ? Math.min(this.index.length, offset + windowSize) : offset;
    const piece = this.index.slice(from, to);
    const starts = [];
    if (typeof Intl !== "undefined" && Intl.Segmenter) {
      // Word boundaries that also work for Chinese, which puts no spaces between words.
      const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
      let position = from;
      for (const segment of segmenter.segment(piece)) {
        if (segment.isWordLike) starts.push(position);
        position += Array.from(segment.segment).length;
      }
    } else {
      let position = from;
      let previousSpace = true;
      for (const character of piece) {
        const space = whitespace.test(character);
        if (!space && previousSpace) starts.push(position);
        previousSpace = space;
        position++;
      }
    }
    if (direction > 0) return starts.find((start) => start > offset) ?? to - (to === this.index.length ? 1 : 0);
    const before = starts.filter((start) => start < offset);
    return before.length > 0 ? before[before.length - 1] : from;
  }
}

function firstText(node) {
  if (!node) return null;
  if (node.nodeType === Node.TEXT_NODE) return node;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    const text = firstText(child);
    if (text) return text;
  }
  return null;
}

function lastText(node) {
  if (!node) return null;
  if (node.nodeType === Node.TEXT_NODE) return node;
  for (let child = node.lastChild; child; child = child.previousSibling) {
    const text = lastText(child);
    if (text) return text;
  }
  return null;
}

/** Scrolls `container` (a scrolling box) just enough to show `rect`. */
function scrollIntoViewWithin(container, rect) {
  const box = container.getBoundingClientRect();
  if (rect.top < box.top) container.scrollTop -= box.top - rect.top + 8;
  else if (rect.bottom > box.bottom) container.scrollTop += rect.bottom - box.bottom + 8;
}
