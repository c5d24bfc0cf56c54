import { loadConfig } from '../../config/config';
import { statementSettingsOf } from '../settings';

describe('company details and tax rate of the documents', () => {
  it('default to the development company and no tax', () => {
    expect(statementSettingsOf(loadConfig({}))).toEqual({
      company: { name: 'Penultimate Electronics', address: ['1 Commerce Way', 'Springfield, MA 01103', 'United States'], email: 'billing@sysops-squad.local' },
      taxRate: null,
    });
  });

  it('read COMPANY_* and TAX_RATE_PERCENT (at most two decimals, in basis points)', () => {
    const settings = statementSettingsOf(loadConfig({ COMPANY_NAME: 'Acme Repairs', COMPANY_ADDRESS: ' 9 Elm St ; Albany, NY 12207 ;', COMPANY_EMAIL: 'ar@acme.test', TAX_RATE_PERCENT: '8.25' }));
    expect(settings).toEqual({ company: { name: 'Acme Repairs', address: ['9 Elm St', 'Albany, NY 12207'], email: 'ar@acme.test' }, taxRate: { basisPoints: 825 } });
    expect(statementSettingsOf(loadConfig({ TAX_RATE_PERCENT: '' })).taxRate).toBeNull();
    expect(() => loadConfig({ TAX_RATE_PERCENT: '8.255' })).toThrow(/TAX_RATE_PERCENT="8.255"/);
    expect(() => loadConfig({ TAX_RATE_PERCENT: '101' })).toThrow(/TAX_RATE_PERCENT/);
    expect(() => loadConfig({ COMPANY_EMAIL: 'not mail' })).toThrow(/COMPANY_EMAIL/);
  });
});
