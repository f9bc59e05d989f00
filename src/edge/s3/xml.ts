/**
 * Just enough XML for S3: a writer for responses and a small parser for the request bodies S3
 * clients send (CreateBucketConfiguration, Delete, CompleteMultipartUpload). The parser refuses
 * DTDs outright, so no entity-expansion trick can reach it, and keeps only element names (without
 * namespace prefixes), children and text.
 */

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Escapes text for element content; characters XML 1.0 cannot carry become numeric references as S3 does. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/** A leaf element; undefined values produce nothing, so optional fields read naturally at call sites. */
export function leaf(name: string, value: string | number | boolean | Date | undefined): string {
  if (value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/** An element around already-serialised children. */
export function node(name: string, children: readonly string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** A whole response document with the S3 namespace on its root. */
/** `namespace` null leaves the root without xmlns, as S3's <Error> documents are. */
export function xmlDocument(root: string, children: readonly string[], namespace: string | null = S3_NAMESPACE): string {
  const ns = namespace ? ` xmlns="${namespace}"` : '';
  return `${DECLARATION}<${root}${ns}>${children.join('')}</${root}>`;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

export interface XmlNode {
  /** Local name: any namespace prefix is dropped. */
  name: string;
  children: XmlNode[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (match, ref: string | undefined) => {
    if (ref === undefined) throw new XmlSyntaxError("A bare '&' is not allowed in XML text.");
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(code >= 0 && code <= 0x10ffff)) throw new XmlSyntaxError(`Invalid character reference '${match}'.`);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[ref];
    if (value === undefined) throw new XmlSyntaxError(`Unknown entity '${match}'.`);
    return value;
  });
}

const NAME = /[A-Za-z_][\w.\-:]*/y;
const localName = (qualified: string) => qualified.slice(qualified.indexOf(':') + 1);

/** Parses one XML document into its root element; throws XmlSyntaxError on anything malformed. */
export function parseXml(source: string): XmlNode {
  const src = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const stack: { qualified: string; node: XmlNode }[] = [];
  let root: XmlNode | undefined;
  let i = 0;

  const indexAfter = (token: string, from: number) => {
    const at = src.indexOf(token, from);
    if (at < 0) throw new XmlSyntaxError(`Unterminated construct: expected '${token}'.`);
    return at + token.length;
  };

  while (i < src.length) {
    if (src.startsWith('<?', i)) {
      i = indexAfter('?>', i + 2);
    } else if (src.startsWith('<!--', i)) {
      i = indexAfter('-->', i + 4);
    } else if (src.startsWith('<![CDATA[', i)) {
      const end = indexAfter(']]>', i + 9);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError('Character data outside the root element.');
      top.node.text += src.slice(i + 9, end - 3);
      i = end;
    } else if (src.startsWith('<!', i)) {
      throw new XmlSyntaxError('Document type declarations are not accepted.');
    } else if (src.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(src);
      const top = stack.pop();
      if (!m || !top || m[0] !== top.qualified) throw new XmlSyntaxError('Mismatched closing tag.');
      i = NAME.lastIndex;
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '>') throw new XmlSyntaxError('Malformed closing tag.');
      i++;
    } else if (src[i] === '<') {
      if (root && stack.length === 0) throw new XmlSyntaxError('More than one root element.');
      NAME.lastIndex = i + 1;
      const m = NAME.exec(src);
      if (!m) throw new XmlSyntaxError('Malformed start tag.');
      i = NAME.lastIndex;
      // Attributes carry nothing S3 bodies need (only xmlns); skip them, minding quoted '>'.
      let selfClosing = false;
      for (;;) {
        const c = src[i];
        if (c === undefined) throw new XmlSyntaxError('Unterminated start tag.');
        if (c === '"' || c === "'") i = indexAfter(c, i + 1);
        else if (c === '>') {
          i++;
          break;
        } else if (c === '/' && src[i + 1] === '>') {
          selfClosing = true;
          i += 2;
          break;
        } else i++;
      }
      const element: XmlNode = { name: localName(m[0]), children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.node.children.push(element);
      else root = element;
      if (!selfClosing) stack.push({ qualified: m[0], node: element });
    } else {
      const end = src.indexOf('<', i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      const top = stack[stack.length - 1];
      if (top) top.node.text += decodeEntities(raw);
      else if (raw.trim()) throw new XmlSyntaxError('Text outside the root element.');
      i = end < 0 ? src.length : end;
    }
  }
  if (!root || stack.length) throw new XmlSyntaxError(root ? 'Unclosed element.' : 'No root element.');
  return root;
}

/** Parses a request body whose root must be `rootName`; undefined when it is not well-formed or not that element. */
export function parseRequestXml(body: string, rootName: string): XmlNode | undefined {
  try {
    const root = parseXml(body);
    return root.name === rootName ? root : undefined;
  } catch (err) {
    if (err instanceof XmlSyntaxError) return undefined;
    throw err;
  }
}

export const childNamed = (n: XmlNode, name: string) => n.children.find((c) => c.name === name);
export const childrenNamed = (n: XmlNode, name: string) => n.children.filter((c) => c.name === name);
