// Invariant: new ids are valid document ids, 12 characters long, never contain the '.' that marks a
// migration's derived ids, and do not repeat.
import { describe, expect, it } from 'vitest';
import { matchesPattern } from './schemaValidator';
import { NEW_ID_LENGTH, derivedId, newId } from './ids';

const ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';

describe('ids', () => {
  it('makes distinct valid ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20000; i++) {
      const id = newId();
      expect(id).toHaveLength(NEW_ID_LENGTH);
      expect(id.includes('.')).toBe(false);
      expect(matchesPattern(id, ID_PATTERN)).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(20000);
  });

  it('derives ids that contain a dot', () => {
    expect(derivedId('trk1', 'instrument')).toBe('trk1.instrument');
    expect(matchesPattern(derivedId('trk1', 'instrument'), ID_PATTERN)).toBe(true);
  });
});
