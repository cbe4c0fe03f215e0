/**
 * DynamoDB's expression language as the loopback DynamoDB (`dynamodb-endpoint.ts`) evaluates it,
 * written from the DynamoDB Developer Guide ("Condition and filter expressions, operators, and
 * functions", "Update expressions") for top-level attributes:
 *
 *   condition ::= operand comparator operand | operand BETWEEN operand AND operand
 *               | operand IN ( operand, ... ) | function | condition AND condition
 *               | condition OR condition | NOT condition | ( condition )
 *   comparator ::= = | <> | < | <= | > | >=
 *   function   ::= attribute_exists(path) | attribute_not_exists(path) | attribute_type(path, :t)
 *               | begins_with(path, operand) | contains(path, operand)      operand ::= path | :value | size(path)
 *   update     ::= SET path = value, ... | REMOVE path, ...     value ::= operand [(+|-) operand]
 *               (operand here also if_not_exists(path, operand), list_append(operand, operand))
 *
 * Precedence, highest first: comparators, IN, BETWEEN, functions, parentheses, NOT, AND, OR.
 * Keywords are case-insensitive. Names are `#placeholders` or plain attribute names; values are
 * `:placeholders`. Semantics: a comparison with a missing attribute or with values
 * of different types is false (`<>` true), strings compare by UTF-8 bytes, numbers by value.
 * Not modelled (answered ValidationException, never silently wrong): nested paths (`a.b`,
 * `a[0]`), ADD and DELETE clauses, reserved words used as plain names.
 */

/** An AttributeValue of the DynamoDB JSON protocol: exactly one type descriptor. */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: Readonly<Record<string, AttributeValue>> }
  | { readonly L: readonly AttributeValue[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] };

export type Item = Readonly<Record<string, AttributeValue>>;

/** An error answer of DynamoDB: its type (the SDK's error name), message, HTTP status. */
export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Extra fields of the error body (e.g. `Item` of a ConditionalCheckFailedException). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const validation = (message: string) => new DynamoDbError('ValidationException', message);

const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const;

/** The type descriptor of a value (`S`, `N`, ...), or a ValidationException for a malformed one. */
export function typeOf(value: unknown): (typeof TYPES)[number] {
  const keys = value && typeof value === 'object' ? Object.keys(value) : [];
  const type = TYPES.find((t) => keys.length === 1 && keys[0] === t);
  if (!type) {
    throw validation(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  return type;
}

type Operand =
  | { readonly kind: 'path'; readonly name: string }
  | { readonly kind: 'value'; readonly name: string }
  | { readonly kind: 'size'; readonly name: string }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Operand[] };

type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly inner: Condition }
  | {
      readonly kind: 'compare';
      readonly op: string;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'between';
      readonly subject: Operand;
      readonly low: Operand;
      readonly high: Operand;
    }
  | { readonly kind: 'in'; readonly subject: Operand; readonly list: readonly Operand[] }
  | { readonly kind: 'fn'; readonly fn: string; readonly args: readonly Operand[] };

/** One SET action (`name = value`) or REMOVE (`value` absent). */
interface UpdateAction {
  readonly name: string;
  readonly value?: { readonly left: Operand; readonly op?: '+' | '-'; readonly right?: Operand };
}

const TOKEN = /\s*(<>|<=|>=|[=<>(),+\-.[\]]|#[\w]+|:[\w]+|[A-Za-z_][\w]*|\d+|\S)/y;

/** A tokenized expression with the placeholders it names. */
class Tokens {
  private readonly list: string[] = [];
  private at = 0;
  constructor(
    private readonly what: string,
    readonly text: string,
  ) {
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) this.list.push(m[1]);
    if (text.trim() === '') throw validation(`Invalid ${what}: The expression can not be empty;`);
  }
  peek(): string | undefined {
    return this.list[this.at];
  }
  keyword(word: string): boolean {
    if (this.peek()?.toUpperCase() !== word) return false;
    this.at++;
    return true;
  }
  take(expected?: string): string {
    const token = this.list[this.at];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw this.syntax(token ?? '<EOF>');
    }
    this.at++;
    return token;
  }
  end(): void {
    if (this.at < this.list.length) throw this.syntax(this.list[this.at]);
  }
  syntax(token: string): DynamoDbError {
    return validation(
      `Invalid ${this.what}: Syntax error; token: "${token}", near: "${this.text}"`,
    );
  }
}

/** The condition functions and how many arguments each takes (the first always a path). */
const FUNCTIONS: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
};

function parsePath(t: Tokens): string {
  const token = t.take();
  if (!/^#\w+$|^[A-Za-z_]\w*$/.test(token)) throw t.syntax(token);
  if (t.peek() === '.' || t.peek() === '[') {
    throw validation(
      `nested document paths (${token}${t.peek()}...) are not modelled by this fake`,
    );
  }
  return token;
}

function parseOperand(t: Tokens, update = false): Operand {
  const token = t.peek() ?? '<EOF>';
  if (token.startsWith(':')) return { kind: 'value', name: t.take() };
  if (token === 'size' && !update) {
    t.take();
    t.take('(');
    const name = parsePath(t);
    t.take(')');
    return { kind: 'size', name };
  }
  if (update && (token === 'if_not_exists' || token === 'list_append')) {
    t.take();
    t.take('(');
    const first =
      token === 'if_not_exists'
        ? { kind: 'path' as const, name: parsePath(t) }
        : parseOperand(t, true);
    t.take(',');
    const second = parseOperand(t, true);
    t.take(')');
    return { kind: 'call', fn: token, args: [first, second] };
  }
  return { kind: 'path', name: parsePath(t) };
}

function parsePrimary(t: Tokens): Condition {
  if (t.peek() === '(') {
    t.take('(');
    const inner = parseOr(t);
    t.take(')');
    return inner;
  }
  const token = t.peek() ?? '<EOF>';
  if (Object.hasOwn(FUNCTIONS, token)) {
    t.take();
    t.take('(');
    const args = [parseOperand(t)];
    while (t.peek() === ',') {
      t.take(',');
      args.push(parseOperand(t));
    }
    t.take(')');
    if (args[0].kind !== 'path' || args.length !== FUNCTIONS[token]) {
      throw validation(
        `Invalid ConditionExpression: Incorrect number or type of arguments for function ${token}`,
      );
    }
    return { kind: 'fn', fn: token, args };
  }
  const subject = parseOperand(t);
  if (t.keyword('BETWEEN')) {
    const low = parseOperand(t);
    if (!t.keyword('AND')) throw t.syntax(t.peek() ?? '<EOF>');
    return { kind: 'between', subject, low, high: parseOperand(t) };
  }
  if (t.keyword('IN')) {
    t.take('(');
    const list = [parseOperand(t)];
    while (t.peek() === ',') {
      t.take(',');
      list.push(parseOperand(t));
    }
    t.take(')');
    return { kind: 'in', subject, list };
  }
  const op = t.take();
  if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw t.syntax(op);
  return { kind: 'compare', op, left: subject, right: parseOperand(t) };
}

function parseNot(t: Tokens): Condition {
  return t.keyword('NOT') ? { kind: 'not', inner: parseNot(t) } : parsePrimary(t);
}

function parseAnd(t: Tokens): Condition {
  let left = parseNot(t);
  while (t.keyword('AND')) left = { kind: 'and', left, right: parseNot(t) };
  return left;
}

function parseOr(t: Tokens): Condition {
  let left = parseAnd(t);
  while (t.keyword('OR')) left = { kind: 'or', left, right: parseAnd(t) };
  return left;
}

/** A parsed ConditionExpression. */
export function parseCondition(text: string): Condition {
  const t = new Tokens('ConditionExpression', text);
  const condition = parseOr(t);
  t.end();
  return condition;
}

/** A parsed UpdateExpression: its SET and REMOVE actions, each clause at most once. */
export function parseUpdate(text: string): UpdateAction[] {
  const t = new Tokens('UpdateExpression', text);
  const actions: UpdateAction[] = [];
  const seen = new Set<string>();
  while (t.peek() !== undefined) {
    const clause = t.take().toUpperCase();
    if (clause === 'ADD' || clause === 'DELETE') {
      throw validation(`the ${clause} clause of update expressions is not modelled by this fake`);
    }
    if (clause !== 'SET' && clause !== 'REMOVE') throw t.syntax(clause);
    if (seen.has(clause)) {
      throw validation(
        `Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`,
      );
    }
    seen.add(clause);
    for (let first = true; first || t.peek() === ','; first = false) {
      if (!first) t.take(',');
      const name = parsePath(t);
      if (clause === 'REMOVE') actions.push({ name });
      else {
        t.take('=');
        const left = parseOperand(t, true);
        const op = t.peek() === '+' || t.peek() === '-' ? (t.take() as '+' | '-') : undefined;
        actions.push({ name, value: op ? { left, op, right: parseOperand(t, true) } : { left } });
      }
    }
  }
  if (actions.length === 0) throw t.syntax('<EOF>');
  return actions;
}

/** The placeholders a parsed expression names: `#names` and `:values`. */
export function placeholdersOf(tree: Condition | readonly UpdateAction[]): {
  names: string[];
  values: string[];
} {
  const names: string[] = [];
  const values: string[] = [];
  const name = (n: string) => n.startsWith('#') && names.push(n);
  const operand = (o: Operand | undefined): void => {
    if (!o) return;
    if (o.kind === 'value') values.push(o.name);
    else if (o.kind === 'call') o.args.forEach(operand);
    else name(o.name);
  };
  const walk = (c: Condition): void => {
    switch (c.kind) {
      case 'and':
      case 'or':
        return [c.left, c.right].forEach(walk);
      case 'not':
        return walk(c.inner);
      case 'compare':
        return [c.left, c.right].forEach(operand);
      case 'between':
        return [c.subject, c.low, c.high].forEach(operand);
      case 'in':
        return [c.subject, ...c.list].forEach(operand);
      case 'fn':
        return c.args.forEach(operand);
    }
  };
  if (Array.isArray(tree)) {
    for (const a of tree as readonly UpdateAction[]) {
      name(a.name);
      [a.value?.left, a.value?.right].forEach(operand);
    }
  } else walk(tree as Condition);
  return { names, values };
}

/** What an expression is evaluated against: the placeholders' meanings and the item (if any). */
export interface Scope {
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, AttributeValue>>;
  readonly item: Item | undefined;
}

/** The attribute name a path token stands for. */
export function resolveName(token: string, scope: Scope): string {
  if (!token.startsWith('#')) return token;
  const name = scope.names[token];
  if (name === undefined) {
    throw validation(
      `Invalid expression: An expression attribute name used in the document path is not defined; attribute name: ${token}`,
    );
  }
  return name;
}

function valueOf(o: Operand, scope: Scope): AttributeValue | undefined {
  if (o.kind === 'value') {
    const v = scope.values[o.name];
    if (v === undefined) {
      throw validation(
        `Invalid expression: An expression attribute value used in expression is not defined; attribute value: ${o.name}`,
      );
    }
    return v;
  }
  if (o.kind === 'size') {
    const v = scope.item?.[resolveName(o.name, scope)];
    return v === undefined ? undefined : { N: String(sizeOf(v)) };
  }
  if (o.kind === 'call') return callValue(o, scope);
  return scope.item?.[resolveName(o.name, scope)];
}

function sizeOf(v: AttributeValue): number {
  if ('S' in v) return Buffer.byteLength(v.S);
  if ('B' in v) return Buffer.from(v.B, 'base64').length;
  if ('L' in v) return v.L.length;
  if ('M' in v) return Object.keys(v.M).length;
  if ('SS' in v) return v.SS.length;
  if ('NS' in v) return v.NS.length;
  if ('BS' in v) return v.BS.length;
  return 0;
}

/** -1, 0 or 1 for two scalars of one ordered type (S, N, B); undefined when not comparable. */
function order(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b) return undefined;
  if ('N' in a && 'N' in b) return Math.sign(Number(a.N) - Number(b.N));
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S), Buffer.from(b.S));
  if ('B' in a && 'B' in b)
    return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
}

export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  const ordered = order(a, b);
  if (ordered !== undefined) return ordered === 0;
  if (typeOf(a) !== typeOf(b)) return false;
  if ('L' in a && 'L' in b)
    return a.L.length === b.L.length && a.L.every((x, i) => sameValue(x, b.L[i]));
  if ('M' in a && 'M' in b) {
    const keys = Object.keys(a.M);
    return keys.length === Object.keys(b.M).length && keys.every((k) => sameValue(a.M[k], b.M[k]));
  }
  const set = (v: AttributeValue) => JSON.stringify([...(Object.values(v)[0] as string[])].sort());
  return 'SS' in a || 'NS' in a || 'BS' in a
    ? set(a) === set(b)
    : JSON.stringify(a) === JSON.stringify(b);
}

/** Literal operands of an ordering comparison must be of an ordered type (checked as DynamoDB does). */
function checkOrdered(op: string, operands: readonly Operand[], scope: Scope): void {
  for (const o of operands) {
    if (o.kind !== 'value') continue;
    const type = typeOf(valueOf(o, scope));
    if (type !== 'S' && type !== 'N' && type !== 'B') {
      throw validation(
        `Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: ${op}, operand type: ${type}`,
      );
    }
  }
}

/** Whether the condition holds for `scope.item` (undefined: the item does not exist). */
export function evaluate(c: Condition, scope: Scope): boolean {
  switch (c.kind) {
    case 'and':
      return evaluate(c.left, scope) && evaluate(c.right, scope);
    case 'or':
      return evaluate(c.left, scope) || evaluate(c.right, scope);
    case 'not':
      return !evaluate(c.inner, scope);
    case 'compare': {
      const [a, b] = [valueOf(c.left, scope), valueOf(c.right, scope)];
      if (c.op === '=') return sameValue(a, b);
      if (c.op === '<>') return !sameValue(a, b);
      checkOrdered(c.op, [c.left, c.right], scope);
      const o = order(a, b);
      if (o === undefined) return false;
      return { '<': o < 0, '<=': o <= 0, '>': o > 0, '>=': o >= 0 }[c.op] ?? false;
    }
    case 'between': {
      checkOrdered('BETWEEN', [c.subject, c.low, c.high], scope);
      const v = valueOf(c.subject, scope);
      const low = order(v, valueOf(c.low, scope));
      const high = order(v, valueOf(c.high, scope));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const v = valueOf(c.subject, scope);
      return c.list.some((o) => sameValue(v, valueOf(o, scope)));
    }
    case 'fn':
      return evaluateFunction(c.fn, c.args, scope);
  }
}

function evaluateFunction(fn: string, args: readonly Operand[], scope: Scope): boolean {
  const v = valueOf(args[0], scope);
  const arg = args[1] && valueOf(args[1], scope);
  switch (fn) {
    case 'attribute_exists':
      return v !== undefined;
    case 'attribute_not_exists':
      return v === undefined;
    case 'attribute_type':
      return v !== undefined && arg !== undefined && 'S' in arg && typeOf(v) === arg.S;
    case 'begins_with':
      if (v && arg && 'S' in v && 'S' in arg) return v.S.startsWith(arg.S);
      if (v && arg && 'B' in v && 'B' in arg) {
        const [x, y] = [Buffer.from(v.B, 'base64'), Buffer.from(arg.B, 'base64')];
        return x.subarray(0, y.length).equals(y);
      }
      return false;
    default: {
      // contains: a substring of a string, an element of a set or a list.
      if (!v || !arg) return false;
      if ('S' in v && 'S' in arg) return v.S.includes(arg.S);
      if ('L' in v) return v.L.some((x) => sameValue(x, arg));
      const members = 'SS' in v ? v.SS : 'NS' in v ? v.NS : 'BS' in v ? v.BS : undefined;
      const scalar = Object.values(arg)[0];
      return members !== undefined && typeof scalar === 'string' && members.includes(scalar);
    }
  }
}

function callValue(
  o: Extract<Operand, { kind: 'call' }>,
  scope: Scope,
): AttributeValue | undefined {
  if (o.fn === 'if_not_exists') return valueOf(o.args[0], scope) ?? valueOf(o.args[1], scope);
  const [a, b] = [valueOf(o.args[0], scope), valueOf(o.args[1], scope)];
  if (!a || !b || !('L' in a) || !('L' in b)) {
    throw validation(
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append',
    );
  }
  return { L: [...a.L, ...b.L] };
}

/** The item after the update's actions (values computed from the item before it). */
export function applyUpdate(
  actions: readonly UpdateAction[],
  scope: Scope,
  key: readonly string[],
): Item {
  const names = actions.map((a) => resolveName(a.name, scope));
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) {
      throw validation(
        `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${n}], path two: [${n}]`,
      );
    }
    if (key.includes(n)) {
      throw validation(
        `One or more parameter values were invalid: Cannot update attribute ${n}. This attribute is part of the key`,
      );
    }
  });
  const next: Record<string, AttributeValue> = { ...(scope.item ?? {}) };
  const computed = actions.map((a) => (a.value ? setValue(a.value, scope) : undefined));
  names.forEach((n, i) => {
    const value = computed[i];
    if (value === undefined) delete next[n];
    else next[n] = value;
  });
  return next;
}

function setValue(
  value: NonNullable<UpdateAction['value']>,
  scope: Scope,
): AttributeValue | undefined {
  const left = valueOf(value.left, scope);
  if (!value.op || !value.right) {
    if (left === undefined) {
      throw validation(
        'The provided expression refers to an attribute that does not exist in the item',
      );
    }
    return left;
  }
  const right = valueOf(value.right, scope);
  if (!left || !right || !('N' in left) || !('N' in right)) {
    throw validation('An operand in the update expression has an incorrect data type');
  }
  const n = value.op === '+' ? Number(left.N) + Number(right.N) : Number(left.N) - Number(right.N);
  return { N: String(n) };
}
