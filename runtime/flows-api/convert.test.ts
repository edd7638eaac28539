import assert from 'node:assert/strict';
import { parseNodes, placeOnTab } from './convert.js';

describe('flow conversion', () => {
  it('moves every node of a flowbroker export onto the new flow tab', () => {
    const nodes = parseNodes([
      { id: 'n1', type: 'inject', z: 'old-tab', wires: [['n2']] },
      { id: 'n2', type: 'debug', wires: [] },
    ]);
    const { tab, nodes: placed } = placeOnTab('F', nodes, new Set());
    assert.equal(tab.id, 'F');
    assert.deepEqual(
      placed.map((n) => [n.id, n.z]),
      [
        ['n1', 'F'],
        ['n2', 'F'],
      ],
    );
  });

  it('keeps the properties of a tab node given in the flow but not its id', () => {
    const { tab, nodes } = placeOnTab(
      'F',
      parseNodes([
        { id: 'T', type: 'tab', label: 'x', info: 'notes' },
        { id: 'n', type: 'debug', z: 'T' },
      ]),
      new Set(),
    );
    assert.deepEqual([tab.id, tab.info, nodes.length, nodes[0].z], ['F', 'notes', 1, 'F']);
  });

  it('renames node ids another flow already uses and rewrites the wires to them', () => {
    const nodes = parseNodes([
      { id: 'a', type: 'inject', wires: [['b']] },
      { id: 'b', type: 'link out', links: ['c'], wires: [] },
      { id: 'c', type: 'link in', wires: [] },
    ]);
    const { nodes: placed } = placeOnTab('F', nodes, new Set(['b', 'c']));
    const [a, b, c] = placed;
    assert.equal(a.id, 'a');
    assert.notEqual(b.id, 'b');
    assert.notEqual(c.id, 'c');
    assert.deepEqual(a.wires, [[b.id]]);
    assert.deepEqual(b.links, [c.id]);
  });

  it('rejects a node without a type as flowbroker did', () => {
    assert.throws(
      () => parseNodes([{ id: 'x' }]),
      (e: Error & { code?: string; extra?: { message: string } }) =>
        e.code === 'FLOWS_INVALID' && e.extra?.message === 'Given flow is invalid',
    );
    assert.throws(() => parseNodes({}), /must be an array/);
  });

  it('gives an id to a node that has none', () => {
    assert.match(parseNodes([{ type: 'debug' }])[0].id, /^[0-9a-f]{16}$/);
  });
});

describe('flow layout', () => {
  it('places nodes that come without coordinates on a grid and keeps given ones', () => {
    const { nodes } = placeOnTab(
      'F',
      parseNodes([
        { id: 'a', type: 'inject', wires: [] },
        { id: 'b', type: 'debug', x: 7, y: 9, wires: [] },
        { id: 'c', type: 'debug', wires: [] },
        { id: 'cfg', type: 'tls-config' },
      ]),
      new Set(),
    );
    assert.deepEqual(
      nodes.map((n) => [n.x, n.y]),
      [
        [140, 80],
        [7, 9],
        [340, 80],
        [undefined, undefined],
      ],
    );
  });
});
