/**
 * TEMPORARY (lead): a minimal statement scanner until the values branch lands its sqlite3_complete port.
 * Counts statements separated by `;` outside strings, quoted identifiers and comments, and reports the first
 * keyword. Trigger bodies are handled only roughly (BEGIN … END after CREATE TRIGGER).
 */
export function scanStatements(text: string): { count: number; first: string | undefined; end: number } {
  let count = 0;
  let end = text.length;
  let first: string | undefined;
  let sawToken = false;
  let trigger = 0;
  let words: string[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === close) {
          if (close !== ']' && text[j + 1] === close) j++;
          else break;
        }
      }
      i = j + 1;
      sawToken = true;
      continue;
    }
    if (c === ';') {
      if (trigger === 2) {
        i++;
        continue;
      }
      if (sawToken) {
        count++;
        if (count === 1) end = i;
      }
      sawToken = false;
      trigger = 0;
      words = [];
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_$]/.test(text[j] as string)) j++;
      const word = text.slice(i, j).toUpperCase();
      if (!sawToken && first === undefined) first = word;
      if (!sawToken) words = [];
      words.push(word);
      if (words.length <= 3 && word === 'TRIGGER' && words[0] === 'CREATE') trigger = 1;
      else if (trigger === 1 && word === 'BEGIN') trigger = 2;
      else if (trigger === 2 && word === 'END') trigger = 3;
      sawToken = true;
      i = j;
      continue;
    }
    sawToken = true;
    i++;
  }
  if (sawToken) count++;
  return { count, first, end };
}
