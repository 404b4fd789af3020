/** A small, strict XML writer for Open311 documents: element names are fixed by the code, text is escaped. */
export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

const escape = (s: string) =>
  s
    // characters XML 1.0 forbids are dropped rather than producing a malformed document
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

function element(name: string, v: XmlValue): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => element(name, x)).join('');
  if (v === null) return `<${name}/>`;
  if (typeof v === 'object') return `<${name}>${Object.entries(v).map(([k, x]) => element(k, x)).join('')}</${name}>`;
  return `<${name}>${escape(String(v))}</${name}>`;
}

export function toXml(root: string, v: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, v)}`;
}
