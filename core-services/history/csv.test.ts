import assert from 'node:assert/strict';
import { historyCsv } from './csv.js';

const entry = (value: unknown, metadata: Record<string, unknown> = {}) => ({
  device_id: 'a1',
  attr: 'x',
  ts: '2024-01-01T00:00:00.000Z',
  value,
  metadata,
});

describe('history CSV', () => {
  it('quotes what needs quoting and keeps JSON types readable', () => {
    const lines = historyCsv([
      entry(1.5),
      entry(true),
      entry(null),
      entry('a,b'),
      entry('say "hi"'),
      entry({ k: [1] }),
      entry('x', { unit: 'C' }),
    ]).split('\r\n');
    assert.deepEqual(lines.slice(1, -1), [
      'a1,x,2024-01-01T00:00:00.000Z,1.5,',
      'a1,x,2024-01-01T00:00:00.000Z,true,',
      'a1,x,2024-01-01T00:00:00.000Z,,',
      'a1,x,2024-01-01T00:00:00.000Z,"a,b",',
      'a1,x,2024-01-01T00:00:00.000Z,"say ""hi""",',
      'a1,x,2024-01-01T00:00:00.000Z,"{""k"":[1]}",',
      'a1,x,2024-01-01T00:00:00.000Z,x,"{""unit"":""C""}"',
    ]);
  });

  it('keeps a spreadsheet from running a value as a formula', () => {
    const lines = historyCsv([entry('=HYPERLINK("http://x")'), entry('+1'), entry('@SUM(A1)'), entry(-5)]).split(
      '\r\n',
    );
    assert.deepEqual(
      lines.slice(1, -1).map((l) => l.split(',').slice(3).join(',')),
      [`"'=HYPERLINK(""http://x"")",`, "'+1,", "'@SUM(A1),", '-5,'],
    );
  });
});
