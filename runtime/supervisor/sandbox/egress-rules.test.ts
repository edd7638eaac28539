import assert from 'node:assert/strict';
import { EgressPolicy, exceptionOf, parseEgressRule } from './egress-rules.js';
import { chainName, rulesFor } from './egress-firewall.js';

describe('egress rules of tenant runtimes', () => {
  const policy = new EgressPolicy(
    ['10.1.2.3', 'fe80::1'],
    [exceptionOf('127.0.0.1', null, 9092)!, exceptionOf('169.254.10.0', 24, null)!],
  );

  it("refuses loopback, link-local, unspecified and this host's own addresses", () => {
    for (const a of [
      '127.0.0.1',
      '127.9.9.9',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::abcd',
      '::',
      '::ffff:127.0.0.1',
      '10.1.2.3',
    ]) {
      assert.ok(policy.refuses(a, 80), a);
    }
  });

  it('lets other hosts through', () => {
    for (const a of ['93.184.216.34', '10.1.2.4', '2001:db8::1']) assert.ok(!policy.refuses(a, 443), a);
  });

  it('lets the allowed exceptions through, on their port only when they name one', () => {
    assert.ok(!policy.refuses('127.0.0.1', 9092));
    assert.ok(policy.refuses('127.0.0.1', 9093));
    assert.ok(!policy.refuses('169.254.10.7', 1));
  });

  it('refuses what is not an address at all', () => {
    assert.ok(policy.refuses('localhost', 80));
  });

  it('parses host:port, CIDR with a port, and bracketed IPv6', () => {
    assert.deepEqual(parseEgressRule('kafka:9092'), { host: 'kafka', prefix: null, port: 9092 });
    assert.deepEqual(parseEgressRule('127.0.0.0/8:80'), { host: '127.0.0.0', prefix: 8, port: 80 });
    assert.deepEqual(parseEgressRule('[::1]/128:8080'), { host: '::1', prefix: 128, port: 8080 });
    assert.throws(() => parseEgressRule('a b'), /not an egress rule/);
    assert.equal(exceptionOf('kafka', null, 9092), null);
  });

  it('writes one netfilter chain per family: replies pass, exceptions return, local and link-local are rejected', () => {
    const plan = {
      uidRange: [200000, 200009] as [number, number],
      exceptions: [exceptionOf('127.0.0.1', null, 9092)!, exceptionOf('::1', null, null)!],
    };
    const v4 = rulesFor(4, plan).split('\n');
    assert.equal(chainName(plan.uidRange), 'DOJOT-RED-EGRESS-200000');
    assert.deepEqual(v4.slice(0, 3), [
      '*filter',
      ':DOJOT-RED-EGRESS-200000 - [0:0]',
      '-A DOJOT-RED-EGRESS-200000 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN',
    ]);
    assert.ok(v4.includes('-A DOJOT-RED-EGRESS-200000 -d 127.0.0.1/32 -p tcp -m tcp --dport 9092 -j RETURN'));
    assert.ok(
      v4.indexOf('-A DOJOT-RED-EGRESS-200000 -m addrtype --dst-type LOCAL -j REJECT') >
        v4.indexOf('-A DOJOT-RED-EGRESS-200000 -d 127.0.0.1/32 -p udp -m udp --dport 9092 -j RETURN'),
    );
    assert.ok(v4.includes('-A DOJOT-RED-EGRESS-200000 -d 169.254.0.0/16 -j REJECT'));
    assert.ok(!v4.some((l) => l.includes('::1')));
    assert.ok(rulesFor(6, plan).includes('-A DOJOT-RED-EGRESS-200000 -d ::1/128 -j RETURN'));
  });
});
