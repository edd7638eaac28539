// The geofence node: its config checks, its pure logic and its glue in a real Node-RED.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';

const require = createRequire(import.meta.url);
const { parse } = require('../../nodes/geofence/config.js') as typeof import('../../nodes/geofence/config.js');
const { parsePoint, isInside } =
  require('../../nodes/geofence/logic.js') as typeof import('../../nodes/geofence/logic.js');

const square = [
  { latitude: -22.8, longitude: -47.1 },
  { latitude: -22.8, longitude: -47.0 },
  { latitude: -22.9, longitude: -47.0 },
  { latitude: -22.9, longitude: -47.1 },
];

describe('geofence logic', () => {
  it('reads "lat, lng" points with or without spaces and refuses anything else', () => {
    assert.deepEqual(parsePoint('-22.85, -47.05'), { latitude: -22.85, longitude: -47.05 });
    assert.deepEqual(parsePoint('1,2'), { latitude: 1, longitude: 2 });
    for (const bad of ['', '1', '1,2,3', 'a,b', '91,0', '0,181', 42, null, undefined, { lat: 1 }])
      assert.equal(parsePoint(bad), null, String(bad));
  });

  it('tells inside from outside of a polygon and of a rectangle given by two corners', () => {
    const poly = parse({ points: square, geopoint: 'payload.p' });
    assert.equal(isInside(poly, { latitude: -22.85, longitude: -47.05 }), true);
    assert.equal(isInside(poly, { latitude: -23.5, longitude: -46.6 }), false);
    const rect = parse({ mode: 'rectangle', points: [square[0], square[2]], geopoint: 'p' });
    assert.equal(isInside(rect, { latitude: -22.85, longitude: -47.05 }), true);
    assert.equal(isInside(rect, { latitude: -22.95, longitude: -47.05 }), false);
  });

  it('names the bad field of a config', () => {
    assert.throws(() => parse({ points: square.slice(0, 2), geopoint: 'p' }), /points: an area needs at least three/);
    assert.throws(
      () => parse({ points: [square[0], { latitude: 'x', longitude: 0 }, square[2]], geopoint: 'p' }),
      /points\[1\]/,
    );
    assert.throws(() => parse({ points: 'nope', geopoint: 'p' }), /points: must be a list/);
    assert.throws(() => parse({ points: square }), /geopoint: is required/);
    assert.throws(() => parse({ points: square, geopoint: 'p', filter: 'near' }), /filter: must be one of/);
  });
});

describe('the geofence node', () => {
  afterEach(async () => helper.unload());
  const flow = (filter: string, name = '') => [
    {
      id: 'g',
      type: 'geofence',
      name,
      filter,
      mode: 'polyline',
      points: square,
      geopoint: 'msg.payload.data.attrs.position',
      wires: [['h']],
    },
    { id: 'h', type: 'helper' },
  ];

  it('passes inside points, marks the named area in msg.location.isat, and stops outside ones', async () => {
    await load(['geofence'], flow('inside', 'campinas'), new StubServices());
    const got: any[] = [];
    helper.getNode('h').on('input', (m: any) => got.push(m));
    helper.getNode('g').receive({ payload: { data: { attrs: { position: '-22.85, -47.05' } } } });
    helper.getNode('g').receive({ payload: { data: { attrs: { position: '-23.5, -46.6' } } } });
    await tick(50);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].location.isat, ['campinas']);
  });

  it('reports a message without a valid point and lets the next one through', async () => {
    await load(['geofence'], flow('outside'), new StubServices());
    const got: any[] = [];
    helper.getNode('h').on('input', (m: any) => got.push(m));
    const errors: any[] = [];
    helper.getNode('g').on('call:error', (c: any) => errors.push(c.args[0]));
    helper.getNode('g').receive({ payload: { data: { attrs: {} } } });
    helper.getNode('g').receive({ payload: { data: { attrs: { position: 'x' } } } });
    helper.getNode('g').receive({ payload: { data: { attrs: { position: '-23.5, -46.6' } } } });
    await tick(50);
    assert.equal(got.length, 1);
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /not a "lat, lng" point/);
  });
});
