import fc from 'fast-check';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { DomainError } from '../../decider';
import {
  ApplianceModelCommand,
  applianceModelDecider,
  ApplianceModelEvent,
  ApplianceModelState,
  CatalogEntry,
  matchFreeText,
  matchKey,
  modelForNewTicket,
  normalizeCategory,
  suggestModelId,
} from '../appliance-model';

const cmd = <T extends ApplianceModelCommand['type']>(type: T, data: Extract<ApplianceModelCommand, { type: T }>['data']) =>
  command<ApplianceModelCommand>(type, data, { actor: { userId: 'u-admin', role: 'admin' } });
const at = TEST_NOW.toISOString();

const washer = { modelId: 'whirlpool-wtw5000dw', brand: 'Whirlpool', model: 'WTW5000DW', category: 'washer', requiredSkills: ['washer'], aliases: ['Cabrio 5000'] };
const added: ApplianceModelEvent = { type: 'ApplianceModelAdded', data: { ...washer, addedAt: at } };
const retired: ApplianceModelEvent = { type: 'ApplianceModelRetired', data: { modelId: washer.modelId, retiredAt: at, successorId: null } };
const succeeded = (successorId: string): ApplianceModelEvent => ({ type: 'ApplianceModelRetired', data: { modelId: washer.modelId, retiredAt: at, successorId } });
const fold = (...events: ApplianceModelEvent[]): ApplianceModelState => events.reduce(applianceModelDecider.evolve, applianceModelDecider.initialState());

describe('Appliance model', () => {
  const spec = specifyDecider(applianceModelDecider);

  describe('addApplianceModel', () => {
    it('adds a model', () => spec.given().when(cmd('addApplianceModel', washer)).then(added));
    it('normalizes text, category and skills; drops aliases that repeat the name', () =>
      spec
        .given()
        .when(
          cmd('addApplianceModel', {
            modelId: 'bosch-she3ar75uc',
            brand: ' Bosch ',
            model: 'SHE3AR75UC',
            category: ' Dishwasher',
            requiredSkills: ['Dishwasher', 'plumbing', 'dishwasher'],
            aliases: ['she 3ar75 uc', 'Bosch SHE-3AR75UC', '100  Series', '100 series'],
          }),
        )
        .then({
          type: 'ApplianceModelAdded',
          data: {
            modelId: 'bosch-she3ar75uc',
            brand: 'Bosch',
            model: 'SHE3AR75UC',
            category: 'dishwasher',
            requiredSkills: ['dishwasher', 'plumbing'],
            aliases: ['100 Series'],
            addedAt: at,
          },
        }));
    it('aliases are optional', () => {
      const { aliases: _aliases, ...withoutAliases } = washer;
      spec.given().when(cmd('addApplianceModel', withoutAliases)).then({ type: 'ApplianceModelAdded', data: { ...washer, aliases: [], addedAt: at } });
    });
    it('rejects a model id that exists', () => spec.given(added).when(cmd('addApplianceModel', washer)).thenFails('model-already-exists'));
    it('rejects a blank brand', () => spec.given().when(cmd('addApplianceModel', { ...washer, brand: ' ' })).thenFails('invalid-model'));
    it('rejects a blank model name', () => spec.given().when(cmd('addApplianceModel', { ...washer, model: '' })).thenFails('invalid-model'));
    it('rejects a blank category', () => spec.given().when(cmd('addApplianceModel', { ...washer, category: '  ' })).thenFails('invalid-category'));
    it('rejects no required skills', () => spec.given().when(cmd('addApplianceModel', { ...washer, requiredSkills: [] })).thenFails('invalid-skills'));
    it('rejects a blank skill', () => spec.given().when(cmd('addApplianceModel', { ...washer, requiredSkills: ['washer', ''] })).thenFails('invalid-skills'));
    it('rejects an alias without letters or digits', () => spec.given().when(cmd('addApplianceModel', { ...washer, aliases: ['--'] })).thenFails('invalid-aliases'));
  });

  describe('updateApplianceModel', () => {
    it('replaces the required skills', () =>
      spec
        .given(added)
        .when(cmd('updateApplianceModel', { modelId: washer.modelId, requiredSkills: ['Washer', 'electrical'] }))
        .then({ type: 'ApplianceModelUpdated', data: { modelId: washer.modelId, requiredSkills: ['electrical', 'washer'], aliases: ['Cabrio 5000'] } }));
    it('replaces the aliases', () =>
      spec
        .given(added)
        .when(cmd('updateApplianceModel', { modelId: washer.modelId, aliases: ['Cabrio 5000', 'WTW 5000'] }))
        .then({ type: 'ApplianceModelUpdated', data: { modelId: washer.modelId, requiredSkills: ['washer'], aliases: ['Cabrio 5000', 'WTW 5000'] } }));
    it('may update a retired model', () =>
      spec
        .given(added, retired)
        .when(cmd('updateApplianceModel', { modelId: washer.modelId, aliases: [] }))
        .then({ type: 'ApplianceModelUpdated', data: { modelId: washer.modelId, requiredSkills: ['washer'], aliases: [] } }));
    it('changes nothing when nothing differs', () =>
      spec.given(added).when(cmd('updateApplianceModel', { modelId: washer.modelId, requiredSkills: [' WASHER '], aliases: ['Cabrio  5000'] })).thenNothingHappens());
    it('changes nothing when no field is given', () => spec.given(added).when(cmd('updateApplianceModel', { modelId: washer.modelId })).thenNothingHappens());
    it('rejects an empty skill list', () => spec.given(added).when(cmd('updateApplianceModel', { modelId: washer.modelId, requiredSkills: [] })).thenFails('invalid-skills'));
    it('rejects a blank alias', () => spec.given(added).when(cmd('updateApplianceModel', { modelId: washer.modelId, aliases: ['  '] })).thenFails('invalid-aliases'));
    it('rejects an unknown model', () => spec.given().when(cmd('updateApplianceModel', { modelId: washer.modelId, aliases: [] })).thenFails('model-not-found'));
  });

  describe('retireApplianceModel', () => {
    it('retires a listed model', () => spec.given(added).when(cmd('retireApplianceModel', { modelId: washer.modelId })).then(retired));
    it('changes nothing for a retired model', () => spec.given(added, retired).when(cmd('retireApplianceModel', { modelId: washer.modelId })).thenNothingHappens());
    it('rejects an unknown model', () => spec.given().when(cmd('retireApplianceModel', { modelId: washer.modelId })).thenFails('model-not-found'));
    it('retires naming the successor', () =>
      spec.given(added).when(cmd('retireApplianceModel', { modelId: washer.modelId, successorId: 'whirlpool-wtw6000dw' })).then(succeeded('whirlpool-wtw6000dw')));
    it('names a successor for a model retired without one', () =>
      spec.given(added, retired).when(cmd('retireApplianceModel', { modelId: washer.modelId, successorId: 'whirlpool-wtw6000dw' })).then(succeeded('whirlpool-wtw6000dw')));
    it('changes nothing for the same successor, or none given', () => {
      spec.given(added, succeeded('whirlpool-wtw6000dw')).when(cmd('retireApplianceModel', { modelId: washer.modelId, successorId: 'whirlpool-wtw6000dw' })).thenNothingHappens();
      spec.given(added, succeeded('whirlpool-wtw6000dw')).when(cmd('retireApplianceModel', { modelId: washer.modelId })).thenNothingHappens();
    });
    it('rejects a model succeeding itself', () =>
      spec.given(added).when(cmd('retireApplianceModel', { modelId: washer.modelId, successorId: washer.modelId })).thenFails('invalid-successor'));
    it('keeps the successor in the state; reinstating drops it; old retirements read as none', () => {
      const state = fold(added, succeeded('whirlpool-wtw6000dw'));
      expect(state).toMatchObject({ status: 'retired', successorId: 'whirlpool-wtw6000dw' });
      expect(fold(added, succeeded('whirlpool-wtw6000dw'), { type: 'ApplianceModelReinstated', data: { modelId: washer.modelId, reinstatedAt: at } })).toMatchObject({ status: 'listed', successorId: null });
      expect(fold(added, { type: 'ApplianceModelRetired', data: { modelId: washer.modelId, retiredAt: at } })).toMatchObject({ status: 'retired', successorId: null });
    });
  });

  describe('modelForNewTicket', () => {
    const catalog = (...entries: [string, boolean, string | null][]) => new Map(entries.map(([modelId, isRetired, successorId]) => [modelId, { modelId, retired: isRetired, successorId }]));
    it('a listed model is recorded as given', () => expect(modelForNewTicket(catalog(['a', false, null]), 'a')).toEqual({ outcome: 'listed', modelId: 'a' }));
    it('an unknown model is unknown', () => expect(modelForNewTicket(catalog(['a', false, null]), 'b')).toEqual({ outcome: 'unknown', modelId: 'b' }));
    it('a retired model without a successor is refused', () => expect(modelForNewTicket(catalog(['a', true, null]), 'a')).toEqual({ outcome: 'retired', modelId: 'a' }));
    it('a retired model is recorded as its listed successor, through retired ones', () => {
      expect(modelForNewTicket(catalog(['a', true, 'b'], ['b', false, null]), 'a')).toEqual({ outcome: 'succeeded', modelId: 'b', retiredModelId: 'a' });
      expect(modelForNewTicket(catalog(['a', true, 'b'], ['b', true, 'c'], ['c', false, null]), 'a')).toEqual({ outcome: 'succeeded', modelId: 'c', retiredModelId: 'a' });
    });
    it('a successor that is missing, retired for good or loops back counts as none', () => {
      expect(modelForNewTicket(catalog(['a', true, 'b']), 'a')).toEqual({ outcome: 'retired', modelId: 'a' });
      expect(modelForNewTicket(catalog(['a', true, 'b'], ['b', true, null]), 'a')).toEqual({ outcome: 'retired', modelId: 'a' });
      expect(modelForNewTicket(catalog(['a', true, 'b'], ['b', true, 'a']), 'a')).toEqual({ outcome: 'retired', modelId: 'a' });
    });
  });

  describe('reinstateApplianceModel', () => {
    it('reinstates a retired model', () =>
      spec.given(added, retired).when(cmd('reinstateApplianceModel', { modelId: washer.modelId })).then({ type: 'ApplianceModelReinstated', data: { modelId: washer.modelId, reinstatedAt: at } }));
    it('changes nothing for a listed model', () => spec.given(added).when(cmd('reinstateApplianceModel', { modelId: washer.modelId })).thenNothingHappens());
    it('rejects an unknown model', () => spec.given().when(cmd('reinstateApplianceModel', { modelId: washer.modelId })).thenFails('model-not-found'));
  });

  describe('helpers', () => {
    it('suggestModelId and normalizeCategory give stable keys', () => {
      expect(suggestModelId('Whirlpool', 'WTW-5000 DW')).toBe('whirlpool-wtw5000dw');
      expect(suggestModelId('Électrolux', 'EFLS627UTT')).toBe('electrolux-efls627utt');
      expect(normalizeCategory(' Water  Heater ')).toBe('water-heater');
      expect(matchKey(' A.O. Smith ')).toBe('aosmith');
    });
    it('state follows the events', () => {
      expect(fold(added, retired)).toMatchObject({ status: 'retired', requiredSkills: ['washer'] });
      expect(fold(added, retired, { type: 'ApplianceModelReinstated', data: { modelId: washer.modelId, reinstatedAt: at } }).status).toBe('listed');
    });
  });

  describe('matchFreeText', () => {
    const catalog: CatalogEntry[] = [
      { modelId: 'whirlpool-wtw5000dw', brand: 'Whirlpool', model: 'WTW5000DW', aliases: ['Cabrio 5000'], retired: false },
      { modelId: 'whirlpool-wtw4816fw', brand: 'Whirlpool', model: 'WTW4816FW', aliases: [], retired: false },
      { modelId: 'lg-wm3900hwa', brand: 'LG', model: 'WM3900HWA', aliases: [], retired: false },
      { modelId: 'bosch-she3ar75uc', brand: 'Bosch', model: 'SHE3AR75UC', aliases: ['100 Series'], retired: false },
      { modelId: 'ge-old', brand: 'GE', model: 'GTW460ASJWW', aliases: [], retired: true },
      { modelId: 'samsung-french-door', brand: 'Samsung', model: 'RF28R7351SG French Door', aliases: [], retired: false },
    ];
    const top = (text: string) => matchFreeText(catalog, text)[0];

    it('finds a model regardless of case, spacing and punctuation', () => {
      for (const text of ['WTW5000DW', 'wtw5000dw', 'whirlpool wtw 5000 dw', 'Whirlpool WTW-5000-DW washer', 'my w.t.w.5000.d.w']) {
        expect(top(text)?.modelId).toBe('whirlpool-wtw5000dw');
      }
      expect(matchFreeText(catalog, 'Whirlpool WTW5000DW')[0]).toEqual({ modelId: 'whirlpool-wtw5000dw', score: 1, matchedOn: 'model' });
      expect(matchFreeText(catalog, 'wtw5000dw')[0]).toEqual({ modelId: 'whirlpool-wtw5000dw', score: 0.8, matchedOn: 'model' });
    });
    it('matches aliases', () => expect(matchFreeText(catalog, 'bosch 100 series dishwasher')[0]).toEqual({ modelId: 'bosch-she3ar75uc', score: 1, matchedOn: 'alias' }));
    it('gives partial credit to a truncated model code, ranked below the full match', () => {
      const results = matchFreeText(catalog, 'whirlpool wtw5000');
      expect(results[0]).toMatchObject({ modelId: 'whirlpool-wtw5000dw', matchedOn: 'partial' });
      expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
      expect(results[1]).toMatchObject({ modelId: 'whirlpool-wtw4816fw', matchedOn: 'brand', score: 0.2 });
    });
    it('gives partial credit for some words of a long model name', () =>
      expect(matchFreeText(catalog, 'samsung french door fridge')[0]).toMatchObject({ modelId: 'samsung-french-door', matchedOn: 'partial' }));
    it('brand alone ranks every model of the brand', () =>
      expect(matchFreeText(catalog, 'it is a whirlpool')).toEqual([
        { modelId: 'whirlpool-wtw4816fw', score: 0.2, matchedOn: 'brand' },
        { modelId: 'whirlpool-wtw5000dw', score: 0.2, matchedOn: 'brand' },
      ]));
    it('does not match a short brand inside another word', () => expect(matchFreeText(catalog, 'glowing oven')).toEqual([]));
    it('never offers a retired model', () => expect(matchFreeText(catalog, 'GE GTW460ASJWW')).toEqual([]));
    it('empty or punctuation-only text matches nothing', () => {
      expect(matchFreeText(catalog, '')).toEqual([]);
      expect(matchFreeText(catalog, ' -- ')).toEqual([]);
    });
  });

  describe('properties', () => {
    const arbCommand: fc.Arbitrary<ApplianceModelCommand> = fc.oneof(
      fc.record({ category: fc.constantFrom('washer', ' Water Heater', ''), skills: fc.subarray(['Washer', 'plumbing', ' '], { minLength: 0 }) }).map(({ category, skills }) =>
        cmd('addApplianceModel', { ...washer, category, requiredSkills: skills }),
      ),
      fc
        .record({ skills: fc.option(fc.subarray(['washer', 'Electrical', 'hvac'], { minLength: 0 }), { nil: undefined }), aliases: fc.option(fc.subarray(['Cabrio', 'wtw 5000', 'WTW5000DW', '??']), { nil: undefined }) })
        .map(({ skills, aliases }) =>
          cmd('updateApplianceModel', { modelId: washer.modelId, ...(skills === undefined ? {} : { requiredSkills: skills }), ...(aliases === undefined ? {} : { aliases }) }),
        ),
      fc.constant(cmd('retireApplianceModel', { modelId: washer.modelId })),
      fc.constantFrom('whirlpool-wtw6000dw', washer.modelId).map((successorId) => cmd('retireApplianceModel', { modelId: washer.modelId, successorId })),
      fc.constant(cmd('reinstateApplianceModel', { modelId: washer.modelId })),
    );

    function run(commands: ApplianceModelCommand[]) {
      let state = applianceModelDecider.initialState();
      const history: ApplianceModelEvent[] = [];
      const states: ApplianceModelState[] = [];
      for (const c of commands) {
        try {
          const events = applianceModelDecider.decide(c, state);
          history.push(...events);
          state = events.reduce(applianceModelDecider.evolve, state);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
        states.push(state);
      }
      return { state, history, states };
    }

    it('no command sequence leaves a model without skills, with blank or duplicate aliases, or a blank category', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 25 }), (commands) => {
          const { states, history } = run(commands);
          expect(history.filter((e) => e.type === 'ApplianceModelAdded').length).toBeLessThanOrEqual(1);
          for (const s of states) {
            if (s.status === 'unknown') continue;
            expect(s.requiredSkills.length).toBeGreaterThan(0);
            if (s.status === 'listed') expect(s.successorId).toBeNull();
            expect(s.successorId).not.toBe(s.modelId);
            expect(s.category).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
            const keys = s.aliases.map(matchKey);
            expect(keys.every((k) => k.length > 0)).toBe(true);
            expect(new Set([...keys, matchKey(s.model)]).size).toBe(keys.length + 1);
          }
        }),
      ));

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 25 }), (commands) => {
          const { history, state } = run(commands);
          const replay = () => history.reduce(applianceModelDecider.evolve, applianceModelDecider.initialState());
          expect(replay()).toEqual(replay());
          expect(replay()).toEqual(state);
        }),
      ));

    it('matching ignores case, spacing and punctuation: any respelling of a model code finds it with full model credit', () =>
      fc.assert(
        fc.property(
          fc.stringMatching(/^[A-Z]{2,4}[0-9]{3,5}[A-Z]{0,3}$/),
          fc.array(fc.constantFrom('', ' ', '-', '.', '  ', '/'), { minLength: 12, maxLength: 12 }),
          fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
          (code, separators, lower) => {
            const respelled = [...code].map((ch, i) => (lower[i] ? ch.toLowerCase() : ch) + (separators[i] ?? '')).join('');
            const entries: CatalogEntry[] = [
              { modelId: 'target', brand: 'Acme', model: code, aliases: [], retired: false },
              { modelId: 'other', brand: 'Zenith', model: 'QQ1', aliases: [], retired: false },
            ];
            const [best] = matchFreeText(entries, `acme ${respelled} broken`);
            expect(best).toEqual({ modelId: 'target', score: 1, matchedOn: 'model' });
            expect(matchFreeText(entries.map((e) => ({ ...e, retired: true })), respelled)).toEqual([]);
          },
        ),
      ));

    it('scores are in (0, 1] and sorted best first', () =>
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), (text) => {
          const catalog: CatalogEntry[] = [
            { modelId: 'a', brand: 'Whirlpool', model: 'WTW5000DW', aliases: ['Cabrio'], retired: false },
            { modelId: 'b', brand: 'LG', model: 'WM3900HWA', aliases: [], retired: false },
          ];
          const results = matchFreeText(catalog, `${text} whirlpool`);
          for (const r of results) {
            expect(r.score).toBeGreaterThan(0);
            expect(r.score).toBeLessThanOrEqual(1);
          }
          expect(results.map((r) => r.score)).toEqual([...results.map((r) => r.score)].sort((x, y) => y - x));
        }),
      ));
  });
});
