/** Python's reserved words and the names a generated module already uses. */
const RESERVED = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  'match',
  'case',
  'type',
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can be written as a Python attribute or parameter name. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

/** `name` as a Python attribute: reserved words get a trailing underscore, other characters one. */
export function attribute(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  const snake = cleaned.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return RESERVED.has(snake) ? `${snake}_` : snake;
}

/** `users.get`, `USER_NOT_FOUND`, `zip-code` → `UsersGet`, `UserNotFound`, `ZipCode`. */
export function pascal(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/))
    .filter((word) => word.length > 0)
    .map((word) => word[0]?.toUpperCase() + word.slice(1).toLowerCase())
    .join('')
    .replace(/^(?=[0-9])/, '_');
}

/** A Python string literal of `text`. */
export function pyString(text: string): string {
  return JSON.stringify(text);
}

/** Hands out class names, adding a number when one is taken. */
export class NameBook {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** `wanted`, or `wanted2`, `wanted3` ... when it is taken. */
  claim(wanted: string): string {
    let name = wanted || 'Value';
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}${n}`;
    this.taken.add(name);
    return name;
  }
}
