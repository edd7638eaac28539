import assert from 'node:assert/strict';
import { joinConfig, splitConfig, type FlowRecord } from './config-split.js';

describe('config split', () => {
  const config = [
    { id: 't1', type: 'tab', label: 'first', disabled: false, info: '' },
    { id: 't2', type: 'tab', label: 'second', disabled: true, info: 'x' },
    { id: 'a', type: 'inject', z: 't1', wires: [['b']] },
    { id: 'b', type: 'debug', z: 't1', wires: [] },
    { id: 'c', type: 'debug', z: 't2', wires: [] },
    { id: 'cfg', type: 'mqtt-broker' },
    { id: 'sf', type: 'subflow', name: 's' },
    { id: 'in-sf', type: 'function', z: 'sf', wires: [] },
  ];

  it('puts each tab with its nodes in one flow and the rest in globals', () => {
    const { tabs, globals } = splitConfig(config);
    assert.deepEqual(
      tabs.map((t) => [t.id, t.name, t.enabled, t.nodes.map((n) => n.id)]),
      [
        ['t1', 'first', true, ['a', 'b']],
        ['t2', 'second', false, ['c']],
      ],
    );
    assert.deepEqual(
      globals.map((n) => n.id),
      ['cfg', 'sf', 'in-sf'],
    );
  });

  it('joins flows back into the same config, with name and enabled taken from the flow', () => {
    const { tabs, globals } = splitConfig(config);
    const flows: FlowRecord[] = tabs.map((t) => ({ ...t, created: 1, updated: 1 }));
    assert.deepEqual(joinConfig(flows, globals), config);
    flows[0].enabled = false;
    flows[0].name = 'renamed';
    assert.deepEqual(joinConfig(flows, globals)[0], {
      id: 't1',
      type: 'tab',
      label: 'renamed',
      disabled: true,
      info: '',
    });
  });
});
