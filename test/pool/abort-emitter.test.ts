import { describe, expect, it } from 'vitest';
import { AbortEmitter, abortEmitter } from '../../src/main/pool/abort-emitter.js';

describe('the signal piscina gets (an EventEmitter standing for an AbortSignal)', () => {
  it('is one emitter per signal, reflecting aborted and reason', () => {
    const controller = new AbortController();
    const e = abortEmitter(controller.signal);
    expect(abortEmitter(controller.signal)).toBe(e);
    expect(abortEmitter(new AbortController().signal)).not.toBe(e);
    expect(e.aborted).toBe(false);
    expect(e.reason).toBeUndefined();
    const why = new Error('stop');
    controller.abort(why);
    expect(e.aborted).toBe(true);
    expect(e.reason).toBe(why);
  });

  it("emits 'abort' once to every listener still there, and not to one taken off", () => {
    const controller = new AbortController();
    const e = new AbortEmitter(controller.signal);
    const heard: string[] = [];
    const gone = () => heard.push('gone');
    for (let k = 0; k < 50; k++) e.once('abort', () => heard.push('a'));
    e.once('abort', gone);
    e.off('abort', gone);
    controller.abort();
    controller.abort();
    expect(heard).toEqual(Array.from({ length: 50 }, () => 'a'));
    expect(e.listenerCount('abort')).toBe(0);
  });

  it('says aborted at once for a signal that aborted before', () => {
    const e = abortEmitter(AbortSignal.abort('early'));
    expect(e.aborted).toBe(true);
    expect(e.reason).toBe('early');
  });
});
