import { AreaChart, BarChart } from '@mantine/charts';
import { SimpleGrid, Stack, Text } from '@mantine/core';
import { money, monthName } from '../../customer/account';
import { ChartPanel } from './ChartPanel';
import { Column } from './csv';
import { KeyFigures } from './KeyFigures';
import { decimal, dollars, percent } from './figures';
import { FinanceReport } from './reports';

type Month = FinanceReport['months'][number];
type Plan = FinanceReport['subscriptions'][number];
type AgingBucket = FinanceReport['aging']['buckets'][number];

/** A money column: the CSV has the exact amount in dollars, the table the user's own way of writing money. */
function amount<Row>(header: string, cents: (row: Row) => number): Column<Row> {
  return { header: `${header} (USD)`, value: (r) => decimal(cents(r)), show: (r) => money(cents(r)) };
}

const MONEY_PER_MONTH: Column<Month>[] = [
  { header: 'Month', value: (m) => m.month },
  { header: 'Invoices', value: (m) => m.invoices },
  amount('Billed', (m) => m.billedCents),
  amount('Credit notes', (m) => m.creditNotesCents),
  amount('Revenue recognised', (m) => m.revenueCents),
  amount('Cash collected', (m) => m.cashCents),
  amount('Refunds paid out', (m) => m.refundsCents),
  amount('Net cash', (m) => m.netCashCents),
  amount('Written off', (m) => m.writeOffsCents),
];

const MRR: Column<Month>[] = [
  { header: 'Month', value: (m) => m.month },
  amount('MRR at start', (m) => m.mrr.startCents),
  amount('New', (m) => m.mrr.newCents),
  amount('Expansion', (m) => m.mrr.expansionCents),
  amount('Contraction', (m) => m.mrr.contractionCents),
  amount('Churn', (m) => m.mrr.churnCents),
  amount('MRR at end', (m) => m.mrr.endCents),
  { header: 'Active subscriptions at end', value: (m) => m.subscriptions.total },
];

const PLANS: Column<Plan>[] = [
  { header: 'Tier', value: (p) => p.tier },
  { header: 'Product', value: (p) => p.product },
  { header: 'Active subscriptions', value: (p) => p.active },
  amount('MRR', (p) => p.mrrCents),
];

const DUNNING: Column<Month>[] = [
  { header: 'Month', value: (m) => m.month },
  { header: 'Failed charges', value: (m) => m.failedCharges },
  amount('Failed charges', (m) => m.failedChargeCents),
  { header: 'Invoices failing first', value: (m) => m.dunning.failed },
  { header: 'Recovered', value: (m) => m.dunning.recovered },
  { header: 'Written off', value: (m) => m.dunning.writtenOff },
  { header: 'Still in dunning', value: (m) => m.dunning.inDunning },
  { header: 'Recovery rate', value: (m) => m.dunning.recoveryRate, show: (m) => percent(m.dunning.recoveryRate) },
];

const BUCKET_NAMES: Record<string, string> = { current: 'Not yet due', '1-30': '1–30 days', '31-60': '31–60 days', '61-90': '61–90 days', '90+': 'Over 90 days' };
const AGING: Column<AgingBucket>[] = [
  { header: 'Past due', value: (b) => b.bucket, show: (b) => BUCKET_NAMES[b.bucket] ?? b.bucket },
  { header: 'Invoices', value: (b) => b.invoices },
  amount('Outstanding', (b) => b.amountCents),
];

const axis = (value: number) => money(value * 100);

/** The financial dashboards: money in and out per month, MRR and its movement, subscriptions, dunning, receivables. */
export function FinanceDashboards({ report, fileSuffix }: { report: FinanceReport; fileSuffix: string }) {
  const { months } = report;
  const short = (month: string) => monthName(month);
  const file = (name: string) => `${name}_${report.from}_${report.to}${fileSuffix}`;
  const byProduct = [...new Set(report.subscriptions.map((p) => p.product))].map((product) => ({
    product,
    ...Object.fromEntries(report.subscriptions.filter((p) => p.product === product).map((p) => [p.tier, p.active])),
  }));
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Whole months from {monthName(report.from)} to {monthName(report.to)}: the months the chosen days fall in.
      </Text>
      <FinanceKeyFigures report={report} />
      <ChartPanel
        title="Revenue and cash per month"
        description="Revenue recognised: what the month's invoices bill for plans, less the credit notes issued and the refunds paid out that month. Cash: payments by the month they came in; refunds by the month paid out."
        fileName={file('revenue-and-cash')}
        columns={MONEY_PER_MONTH}
        rows={months}
        chart={
          <BarChart
            h={260}
            data={months.map((m) => ({ month: short(m.month), revenue: dollars(m.revenueCents), cash: dollars(m.cashCents), refunds: dollars(m.refundsCents), writtenOff: dollars(m.writeOffsCents) }))}
            dataKey="month"
            withLegend
            valueFormatter={axis}
            series={[
              { name: 'revenue', label: 'Revenue recognised', color: 'indigo.8' },
              { name: 'cash', label: 'Cash collected', color: 'teal.8' },
              { name: 'refunds', label: 'Refunds', color: 'orange.8' },
              { name: 'writtenOff', label: 'Written off', color: 'red.8' },
            ]}
          />
        }
      />
      <ChartPanel
        title="MRR and its movement"
        description="Monthly recurring revenue: the monthly prices of the plans active at the month's end. Per customer, from the month's start to its end: new (had none), expansion (grew), contraction (shrank, not to zero), churn (went to zero)."
        fileName={file('mrr')}
        columns={MRR}
        rows={months}
        chart={
          <Stack gap="xs">
            <AreaChart
              h={180}
              data={months.map((m) => ({ month: short(m.month), mrr: dollars(m.mrr.endCents) }))}
              dataKey="month"
              valueFormatter={axis}
              curveType="linear"
              series={[{ name: 'mrr', label: 'MRR at month end', color: 'indigo.8' }]}
            />
            <BarChart
              h={200}
              type="stacked"
              data={months.map((m) => ({
                month: short(m.month),
                new: dollars(m.mrr.newCents),
                expansion: dollars(m.mrr.expansionCents),
                contraction: -dollars(m.mrr.contractionCents),
                churn: -dollars(m.mrr.churnCents),
              }))}
              dataKey="month"
              withLegend
              valueFormatter={axis}
              series={[
                { name: 'new', label: 'New', color: 'teal.8' },
                { name: 'expansion', label: 'Expansion', color: 'green.8' },
                { name: 'contraction', label: 'Contraction', color: 'orange.8' },
                { name: 'churn', label: 'Churn', color: 'red.8' },
              ]}
            />
          </Stack>
        }
      />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChartPanel
          title="Subscriptions per plan"
          description={`Plans active at the end of ${monthName(report.to)}, per product and tier.`}
          fileName={file('subscriptions-per-plan')}
          columns={PLANS}
          rows={report.subscriptions}
          empty="No plan was active at the end of the range."
          chart={
            <BarChart
              h={240}
              type="stacked"
              data={byProduct}
              dataKey="product"
              withLegend
              yAxisProps={{ allowDecimals: false }}
              series={[
                { name: 'basic', label: 'Basic', color: 'gray.7' },
                { name: 'standard', label: 'Standard', color: 'indigo.8' },
                { name: 'premium', label: 'Premium', color: 'violet.8' },
              ]}
              xAxisProps={{ interval: 0, angle: -30, textAnchor: 'end', height: 60, fontSize: 11 }}
            />
          }
        />
        <ChartPanel
          title="Dunning recovery"
          description={`Each invoice counts in the month its first charge failed: ${report.totals.dunning.failed} in the range, ${report.totals.dunning.recovered} paid since (${percent(report.totals.dunning.recoveryRate)}), ${report.totals.dunning.writtenOff} written off, ${report.totals.dunning.inDunning} still in dunning.`}
          fileName={file('dunning')}
          columns={DUNNING}
          rows={months}
          chart={
            <BarChart
              h={240}
              type="stacked"
              data={months.map((m) => ({ month: short(m.month), recovered: m.dunning.recovered, writtenOff: m.dunning.writtenOff, inDunning: m.dunning.inDunning }))}
              dataKey="month"
              withLegend
              yAxisProps={{ allowDecimals: false }}
              series={[
                { name: 'recovered', label: 'Recovered', color: 'green.8' },
                { name: 'inDunning', label: 'Still in dunning', color: 'orange.8' },
                { name: 'writtenOff', label: 'Written off', color: 'red.8' },
              ]}
            />
          }
        />
      </SimpleGrid>
      <ChartPanel
        title={report.snapshot ? 'Receivables then, by age' : 'Receivables now, by age'}
        description={`What open invoices still owe on ${new Date(report.aging.at).toLocaleDateString(undefined, { timeZone: 'UTC' })}, by whole days past their due date: ${money(report.aging.outstandingCents)} in ${report.aging.invoices} invoices, ${money(report.aging.overdueCents)} of it overdue.`}
        fileName={file('receivables-aging')}
        columns={AGING}
        rows={report.aging.buckets}
        chart={
          <BarChart
            h={220}
            data={report.aging.buckets.map((b) => ({ age: BUCKET_NAMES[b.bucket] ?? b.bucket, outstanding: dollars(b.amountCents) }))}
            dataKey="age"
            valueFormatter={axis}
            series={[{ name: 'outstanding', label: 'Outstanding', color: 'orange.8' }]}
          />
        }
      />
    </Stack>
  );
}

function FinanceKeyFigures({ report }: { report: FinanceReport }) {
  const { totals, mrr, aging } = report;
  const figures: [string, string][] = [
    ['Revenue recognised', money(totals.revenueCents)],
    ['Cash collected', money(totals.cashCents)],
    ['Refunds', money(totals.refundsCents)],
    ['Written off', money(totals.writeOffsCents)],
    ['MRR at end', money(mrr.endCents)],
    ['MRR change', `${mrr.endCents >= mrr.startCents ? '+' : '−'}${money(Math.abs(mrr.endCents - mrr.startCents))}`],
    ['Active subscriptions', String(report.subscriptions.reduce((s, p) => s + p.active, 0))],
    ['Failed charges', String(totals.failedCharges)],
    ['Dunning recovery', percent(totals.dunning.recoveryRate)],
    ['Overdue', money(aging.overdueCents)],
  ];
  return <KeyFigures figures={figures} label="Key figures of the months" />;
}
