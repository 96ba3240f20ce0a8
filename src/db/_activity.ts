/**
 * Bookkeeping of a server pool's work in hand, so closing knows whether it may skip the grace period.
 *
 * @module
 */

/**
 * What a pool has in hand: driver calls not yet settled, transactions running, sessions not
 * released. Only a pool with none of them may close without the grace period.
 */
export class Activity {
  calls = 0;
  reserved = 0;

  /** Count `call` until it settles; returns it unchanged. */
  track<T>(call: Promise<T>): Promise<T> {
    this.calls++;
    const done = () => void this.calls--;
    call.then(done, done);
    return call;
  }

  /** Nothing in hand: no call pending, no session reserved. */
  get idle(): boolean {
    return this.calls === 0 && this.reserved === 0;
  }
}
