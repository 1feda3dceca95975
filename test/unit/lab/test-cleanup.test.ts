// The global teardown's choice of what to delete: this run's labs and crashed runs' leftovers,
// never another live run's labs, never anything outside the `ndt` prefix.
import { describe, expect, it } from 'vitest';
import { strays } from '../../global-setup.js';

describe('global teardown: strays', () => {
  const names = ['ndtabc1234-host', 'ndtabc1234-inet', 'ndtlivx9z-host', 'ndtdeadzz-ns0', 'nd-host', 'ns0', 'ndnf-t1', 'ndtabc.json'];

  it('takes its own run and dead runs, leaves live runs and everything else', () => {
    expect(strays(names, new Set(['liv']), 'abc')).toEqual(['ndtabc1234-host', 'ndtabc1234-inet', 'ndtdeadzz-ns0', 'ndtabc.json']);
  });

  it('before a run starts (own = null) takes only the leftovers of runs that are gone', () => {
    expect(strays(names, new Set(['liv', 'abc']), null)).toEqual(['ndtdeadzz-ns0']);
  });
});
