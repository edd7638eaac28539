// aedes-persistence-redis ships no types: the part of it we use. It wraps an async persistence in
// aedes-persistence's callback layer; called without callbacks (as aedes 1.x does) every method
// returns a promise.
declare module 'aedes-persistence-redis' {
  interface RedisPersistenceOptions {
    /** An open ioredis connection to use instead of making one; destroy() disconnects it. */
    conn?: unknown;
    /** Largest number of queued messages sent to a client at CONNECT. @default 1000 */
    maxSessionDelivery?: number;
    /** Seconds a queued message is kept, per packet; 0 keeps it until delivered. @default () => 0 */
    packetTTL?: (packet: unknown) => number;
  }

  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    /** Stops listening to the broker's subscription notices and disconnects from Redis. */
    destroy(): Promise<void>;
  }

  function aedesPersistenceRedis(opts?: RedisPersistenceOptions): RedisPersistence;
  export = aedesPersistenceRedis;
}
