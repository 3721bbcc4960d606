/**
 * A PromQL syntax check for tests: a tokenizer and a recursive-descent parser of the expression grammar
 * (selectors with matchers, range and subquery brackets, offset, function calls, aggregations with
 * by/without before or after the arguments, binary operators with bool / on / ignoring / group_left /
 * group_right). It answers "does this parse", with the position of the first error; it does not type-
 * check (a real Prometheus does that on the testbed). Grafana variables must be substituted first.
 */

const functions = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantile',
  'histogram_sum',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  'year',
]);
const aggregations = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const binaryOps = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  'and',
  'or',
  'unless',
]);
const comparisons = new Set(['==', '!=', '<=', '>=', '<', '>']);

type Token = {
  readonly kind: 'num' | 'str' | 'id' | 'dur' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
};

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = q.slice(i);
    const dur = /^(\d+(ms|[smhdwy]))+/.exec(rest);
    const num = /^(0x[0-9a-fA-F]+|\d*\.?\d+([eE][+-]?\d+)?|Inf|NaN)/.exec(rest);
    // Not from a colon: inside brackets it starts a subquery step ([10m:30s]).
    const id = /^[a-zA-Z_][a-zA-Z0-9_:]*/.exec(rest);
    const op = /^(=~|!~|==|!=|<=|>=|[-+*/%^<>=(){}[\],:])/.exec(rest);
    if (dur) out.push({ kind: 'dur', text: dur[0], at: i });
    else if (num && !(id && /^(Inf|NaN)[a-zA-Z0-9_:]/.test(rest)))
      out.push({ kind: 'num', text: num[0], at: i });
    else if (id) out.push({ kind: 'id', text: id[0], at: i });
    else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < q.length && q[j] !== c) j += q[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= q.length) throw new Error(`unterminated string at ${i}`);
      out.push({ kind: 'str', text: q.slice(i, j + 1), at: i });
      i = j + 1;
      continue;
    } else if (op) out.push({ kind: 'op', text: op[0], at: i });
    else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    i += (out[out.length - 1] as Token).text.length;
  }
  out.push({ kind: 'end', text: '', at: q.length });
  return out;
}

/** Throws with the position of the first syntax error; returns when `q` parses as a PromQL expression. */
export function parsePromql(q: string): void {
  const toks = tokenize(q);
  let p = 0;
  const peek = (k = 0): Token => toks[Math.min(p + k, toks.length - 1)] as Token;
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(
      `expected ${what} at ${t.at}, found ${t.kind === 'end' ? 'the end' : JSON.stringify(t.text)}`,
    );
  };
  const take = (text: string): void => {
    if (peek().text !== text) fail(JSON.stringify(text));
    p++;
  };
  const labelList = (): void => {
    take('(');
    while (peek().text !== ')') {
      if (peek().kind !== 'id') fail('a label name');
      p++;
      if (peek().text === ',') p++;
      else break;
    }
    take(')');
  };
  const matchers = (): void => {
    take('{');
    while (peek().text !== '}') {
      if (peek().kind !== 'id' && peek().kind !== 'str') fail('a label name');
      p++;
      if (!['=', '!=', '=~', '!~'].includes(peek().text)) fail('a label matcher');
      p++;
      if (peek().kind !== 'str') fail('a quoted label value');
      p++;
      if (peek().text === ',') p++;
      else break;
    }
    take('}');
  };
  const duration = (): void => {
    if (peek().kind !== 'dur' && peek().kind !== 'num') fail('a duration');
    p++;
  };
  const args = (): void => {
    take('(');
    if (peek().text !== ')') {
      expr();
      while (peek().text === ',') {
        p++;
        expr();
      }
    }
    take(')');
  };
  const primary = (): void => {
    const t = peek();
    if (t.kind === 'num' || t.kind === 'str') {
      p++;
      return;
    }
    if (t.text === '(') {
      p++;
      expr();
      take(')');
      return;
    }
    if (t.text === '{') {
      matchers();
      return;
    }
    if (t.kind !== 'id') fail('an expression');
    if (
      aggregations.has(t.text) &&
      (peek(1).text === '(' || peek(1).text === 'by' || peek(1).text === 'without')
    ) {
      p++;
      if (peek().text === 'by' || peek().text === 'without') {
        p++;
        labelList();
      }
      args();
      if (peek().text === 'by' || peek().text === 'without') {
        p++;
        labelList();
      }
      return;
    }
    if (peek(1).text === '(') {
      if (!functions.has(t.text)) fail(`a known function, not ${t.text}`);
      p++;
      args();
      return;
    }
    p++;
    if (peek().text === '{') matchers();
  };
  const postfix = (): void => {
    primary();
    if (peek().text === '[') {
      p++;
      duration();
      if (peek().text === ':') {
        p++;
        if (peek().text !== ']') duration();
      }
      take(']');
    }
    if (peek().text === 'offset') {
      p++;
      if (peek().text === '-') p++;
      duration();
    }
  };
  const unary = (): void => {
    while (peek().text === '-' || peek().text === '+') p++;
    postfix();
  };
  const expr = (): void => {
    unary();
    while (binaryOps.has(peek().text)) {
      const op = peek().text;
      p++;
      if (peek().text === 'bool') {
        if (!comparisons.has(op)) fail('a comparison before bool');
        p++;
      }
      if (peek().text === 'on' || peek().text === 'ignoring') {
        p++;
        labelList();
        if (peek().text === 'group_left' || peek().text === 'group_right') {
          p++;
          if (peek().text === '(') labelList();
        }
      }
      unary();
    }
  };
  expr();
  if (peek().kind !== 'end') fail('the end of the expression');
}
