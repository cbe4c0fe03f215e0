import { closestName, editDistance, typoDistance } from '../lib/common/closest-name';

describe('editDistance', () => {
  test.each([
    ['office-hours', 'office-hours', 0],
    ['office-hour', 'office-hours', 1], // a letter left out
    ['office-hourss', 'office-hours', 1], // one too many
    ['offise-hours', 'office-hours', 1], // one wrong
    ['ofifce-hours', 'office-hours', 1], // two neighbours swapped: one edit, not two
    ['Office-Hours', 'office-hours', 0], // case is ignored
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3], // restricted: a swapped pair is not edited again
    ['nights', 'office-hours', 9],
  ])('%j to %j is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('typoDistance', () => {
  test.each([
    ['a', 'b', 0],
    ['qa', 'dev', 1],
    ['office-hour', 'office-hours', 2],
    ['weekday-business-hours', 'weekend-business-hours', 3],
  ])('%j and %j: %d', (a, b, d) => {
    expect(typoDistance(a, b)).toBe(d);
  });
});

describe('closestName', () => {
  const deployed = ['nights', 'office-hours', 'weekends'];

  test.each([
    ['office-hour', 'office-hours'],
    ['Office-Hours', 'office-hours'],
    ['ofice-hours', 'office-hours'],
    ['night', 'nights'],
    ['weekend', 'weekends'],
    ['nihgts', 'nights'],
  ])('%j: did you mean %j?', (name, suggestion) => {
    expect(closestName(name, deployed)).toBe(suggestion);
  });

  test.each(['retired', 'lab', 'dev', '', 'office', 'always-on', 'n', 'nits'])(
    '%j is unrelated: no suggestion',
    (name) => {
      expect(closestName(name, deployed)).toBeUndefined();
    },
  );

  test('never the name itself; of equally close names, the first given', () => {
    expect(closestName('nights', ['nights'])).toBeUndefined();
    expect(closestName('lab-2', ['lab-1', 'lab-3'])).toBe('lab-1');
    expect(closestName('lab-2', ['lab-3', 'lab-1'])).toBe('lab-3');
    expect(closestName('lab-2', ['lab-13', 'lab-3'])).toBe('lab-3');
  });
});
