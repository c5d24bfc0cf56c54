import { firstVisits } from '../first-visit';

describe('the first visit a ticket proposes, by appliance category', () => {
  it('given listed models, when categories are listed, then each needs every skill its models list, one expert, its usual time', () => {
    const plans = firstVisits([
      { category: 'washer', requiredSkills: ['washer', 'plumbing'] },
      { category: 'hvac', requiredSkills: ['hvac'] },
      { category: 'washer', requiredSkills: ['electrical', 'washer'] },
    ]);
    expect(plans).toEqual([
      { category: 'hvac', firstVisit: { skills: ['hvac'], expertsNeeded: 1, durationMinutes: 120 } },
      { category: 'washer', firstVisit: { skills: ['electrical', 'plumbing', 'washer'], expertsNeeded: 1, durationMinutes: 90 } },
    ]);
  });

  it('given no models, then there are no categories', () => {
    expect(firstVisits([])).toEqual([]);
  });
});
