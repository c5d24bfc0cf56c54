/**
 * Invoices and monthly statements as PDF (A4, the standard Helvetica fonts, nothing embedded).
 * The output depends only on the document: its creation date is the document's own date, so the
 * same invoice always renders to the same bytes. Long statements continue on further pages, with
 * the table's header repeated and every page numbered.
 */
import PDFDocument from 'pdfkit';
import { formatDay, formatMoney, formatMonth, productLabel, tierLabel } from './format';
import { CompanyDetails, Billee, InvoiceDocument, MonthlyStatement } from './model';

export interface PdfOptions {
  /** Deflate the page contents (the default); tests may read them uncompressed. */
  compress?: boolean;
}

type Pdf = PDFKit.PDFDocument;

const PAGE = { left: 50, right: 545.28, top: 50, bottom: 780 };
const WIDTH = PAGE.right - PAGE.left;
const ROW = 18;
const INK = '#1a1a1a';
const MUTED = '#555555';
const RULE = '#bbbbbb';

interface Column {
  label: string;
  width: number;
  align?: 'left' | 'right';
}

// ---- the two documents --------------------------------------------------------------------

export function invoicePdf(invoice: InvoiceDocument, options: PdfOptions = {}): Promise<Buffer> {
  const money = (cents: number) => formatMoney(cents, invoice.currency);
  return render(
    { title: `Invoice ${invoice.invoiceId}`, subject: `Invoice for ${formatMonth(invoice.period)}`, date: invoice.issuedAt, company: invoice.company, ...options },
    (doc) => {
      let y = header(doc, invoice.company, 'Invoice', [
        ['Invoice', invoice.invoiceId],
        ['Period', formatMonth(invoice.period)],
        ['Issued', formatDay(invoice.issuedAt)],
        ['Due', formatDay(invoice.dueAt)],
        ['Status', STATUS[invoice.status]],
      ]);
      y = billTo(doc, invoice.customer, y);
      const columns: Column[] = [
        { label: 'Support plan', width: 280 },
        { label: 'Tier', width: 100 },
        { label: 'Amount', width: WIDTH - 380, align: 'right' },
      ];
      const rows = [
        ...invoice.lines.map((line) => [productLabel(line.product), tierLabel(line.tier), money(line.amountCents)]),
        ...invoice.creditLines.map((line) => [`Credit applied (credit note ${line.creditNoteId})`, '', money(line.amountCents)]),
      ];
      y = table(doc, columns, rows, y);
      y = figures(doc, y + 6, [
        ['Subtotal', money(invoice.subtotalCents)],
        ...(invoice.creditLines.length > 0 ? [['Credit applied', money(invoice.totalCents - invoice.subtotalCents)] as [string, string]] : []),
        ['Total', money(invoice.totalCents), true],
        ...(invoice.tax ? [[`Tax included (${invoice.tax.rate})`, money(invoice.tax.cents)] as [string, string]] : []),
      ]);
      const settled: string[][] = [
        ...invoice.payments.map((p) => [formatDay(p.at), `Payment${p.reference ? ` (ref. ${p.reference})` : ''}`, money(-p.amountCents)]),
        ...invoice.credits.map((c) => [formatDay(c.at), `Credit note ${c.creditNoteId}: ${c.reason}`, money(-c.amountCents)]),
        ...invoice.refunds.map((r) => [formatDay(r.at), `Refund ${r.refundId} (${r.status}): ${r.reason}`, money(r.amountCents)]),
        ...(invoice.writtenOff ? [[formatDay(invoice.writtenOff.at), `Written off: ${invoice.writtenOff.reason}`, money(-invoice.writtenOff.amountCents)]] : []),
      ];
      if (settled.length > 0) {
        y = heading(doc, 'Payments and adjustments', y + 14);
        y = table(doc, [{ label: 'Date', width: 90 }, { label: 'What', width: WIDTH - 190 }, { label: 'Amount', width: 100, align: 'right' }], settled, y);
      }
      figures(doc, y + 6, [['Amount due', money(invoice.amountDueCents), true]]);
    },
  );
}

export function statementPdf(statement: MonthlyStatement, options: PdfOptions = {}): Promise<Buffer> {
  const money = (cents: number) => formatMoney(cents, statement.currency);
  const { totals } = statement;
  return render(
    { title: `Statement ${statement.month}, ${statement.customer.name}`, subject: `Statement for ${formatMonth(statement.month)}`, date: statement.date, company: statement.company, ...options },
    (doc) => {
      let y = header(doc, statement.company, 'Statement', [
        ['Month', formatMonth(statement.month)],
        ['Date', formatDay(statement.date)],
        ['Customer', statement.customer.customerId],
      ]);
      y = billTo(doc, statement.customer, y);
      y = figures(doc, y, [
        ['Opening balance', money(statement.openingBalanceCents)],
        ['Invoiced', money(totals.invoicedCents)],
        ['Paid', money(-totals.paidCents)],
        ['Credited', money(-totals.creditedCents)],
        ['Refunded', money(totals.refundedCents)],
        ['Written off', money(-totals.writtenOffCents)],
        ['Closing balance', money(statement.closingBalanceCents), true],
        ...(statement.tax ? [[`Tax included in this month's invoices (${statement.tax.rate})`, money(statement.tax.cents)] as [string, string]] : []),
      ]);
      y = heading(doc, 'Activity', y + 14);
      const columns: Column[] = [
        { label: 'Date', width: 72 },
        { label: 'Description', width: WIDTH - 317 },
        { label: 'Reference', width: 95 },
        { label: 'Amount', width: 75, align: 'right' },
        { label: 'Balance', width: 75, align: 'right' },
      ];
      const rows = statement.entries.map((e) => [formatDay(e.at), e.description, e.reference ?? '', money(e.amountCents), money(e.balanceCents)]);
      if (rows.length === 0) rows.push(['', 'No activity this month.', '', '', money(statement.closingBalanceCents)]);
      y = table(doc, columns, rows, y);
      note(doc, y + 10, statement.closingBalanceCents > 0 ? `Balance owed at the end of ${formatMonth(statement.month)}: ${money(statement.closingBalanceCents)}.` : statement.closingBalanceCents < 0 ? `Credit in your favour: ${money(-statement.closingBalanceCents)}, deducted from your next invoice.` : 'Nothing is owed.');
    },
  );
}

const STATUS: Record<InvoiceDocument['status'], string> = { open: 'Open', paid: 'Paid', 'written-off': 'Written off' };

// ---- the page -----------------------------------------------------------------------------

function render(meta: { title: string; subject: string; date: string; company: CompanyDetails; compress?: boolean }, draw: (doc: Pdf) => void): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.top, left: PAGE.left, right: 50, bottom: 40 },
    bufferPages: true,
    compress: meta.compress ?? true,
    info: { Title: meta.title, Subject: meta.subject, Author: meta.company.name, Creator: meta.company.name, Producer: meta.company.name, CreationDate: new Date(meta.date) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.fillColor(INK);
  draw(doc);
  footers(doc, meta.company);
  doc.end();
  return done;
}

/** The company on the left, the document's title and facts on the right; returns the y below. */
function header(doc: Pdf, company: CompanyDetails, title: string, facts: [string, string][]): number {
  doc.font('Helvetica-Bold').fontSize(16).fillColor(INK).text(company.name, PAGE.left, PAGE.top, { width: 280, lineBreak: false });
  doc.font('Helvetica').fontSize(9).fillColor(MUTED);
  let left = PAGE.top + 22;
  for (const line of [...company.address, company.email]) {
    doc.text(line, PAGE.left, left, { width: 280, lineBreak: false });
    left += 12;
  }
  doc.font('Helvetica-Bold').fontSize(20).fillColor(INK).text(title.toUpperCase(), PAGE.right - 220, PAGE.top, { width: 220, align: 'right', lineBreak: false });
  let right = PAGE.top + 28;
  for (const [label, value] of facts) {
    doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(label, PAGE.right - 220, right, { width: 70, lineBreak: false });
    doc.font('Helvetica-Bold').fillColor(INK).text(fit(doc, value, 150), PAGE.right - 150, right, { width: 150, align: 'right', lineBreak: false });
    right += 13;
  }
  const y = Math.max(left, right) + 12;
  rule(doc, y);
  return y + 14;
}

function billTo(doc: Pdf, customer: Billee, y: number): number {
  doc.font('Helvetica').fontSize(9).fillColor(MUTED).text('BILL TO', PAGE.left, y, { lineBreak: false });
  const lines = [customer.name, customer.address.line1, `${customer.address.postalCode} ${customer.address.city}`, customer.address.country, customer.email];
  let at = y + 13;
  lines.forEach((line, i) => {
    doc.font(i === 0 ? 'Helvetica-Bold' : 'Helvetica').fontSize(10).fillColor(INK).text(fit(doc, line, 300), PAGE.left, at, { lineBreak: false });
    at += 13;
  });
  return at + 14;
}

function heading(doc: Pdf, text: string, y: number): number {
  const top = room(doc, y, ROW * 3);
  doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text(text, PAGE.left, top, { lineBreak: false });
  return top + 18;
}

/** Label–amount pairs, right-aligned; a bold pair is a total. */
function figures(doc: Pdf, y: number, pairs: ([string, string] | [string, string, boolean])[]): number {
  let at = room(doc, y, pairs.length * 15);
  for (const [label, value, strong] of pairs) {
    doc.font(strong ? 'Helvetica-Bold' : 'Helvetica').fontSize(10).fillColor(INK);
    doc.text(label, PAGE.right - 330, at, { width: 220, align: 'right', lineBreak: false });
    doc.text(value, PAGE.right - 100, at, { width: 100, align: 'right', lineBreak: false });
    at += 15;
  }
  return at;
}

function note(doc: Pdf, y: number, text: string): void {
  doc.font('Helvetica').fontSize(10).fillColor(INK).text(text, PAGE.left, room(doc, y, ROW), { width: WIDTH, lineBreak: false });
}

/** A table that continues on new pages with its header repeated; long text wraps; returns the y below it. */
function table(doc: Pdf, columns: Column[], rows: string[][], y: number): number {
  let at = headerRow(doc, columns, room(doc, y, ROW * 2));
  rows.forEach((cells, i) => {
    doc.font('Helvetica').fontSize(9);
    const height = Math.max(ROW, ...cells.map((cell, c) => doc.heightOfString(cell, { width: columns[c]!.width - 9 }) + 7));
    if (at + height > PAGE.bottom) {
      doc.addPage();
      at = headerRow(doc, columns, PAGE.top);
    }
    if (i % 2 === 1) doc.rect(PAGE.left, at - 4, WIDTH, height).fill('#f3f3f3');
    doc.font('Helvetica').fontSize(9).fillColor(INK);
    cellsAt(doc, columns, cells, at, true);
    at += height;
  });
  rule(doc, at - 4);
  return at + 2;
}

function headerRow(doc: Pdf, columns: Column[], y: number): number {
  doc.font('Helvetica-Bold').fontSize(9).fillColor(MUTED);
  cellsAt(doc, columns, columns.map((c) => c.label), y, false);
  rule(doc, y + 13);
  return y + 19;
}

/** One row's cells at y; `wrap`: text longer than its column continues on the next lines (the row was made tall enough). */
function cellsAt(doc: Pdf, columns: Column[], cells: string[], y: number, wrap: boolean): void {
  let x = PAGE.left;
  columns.forEach((column, i) => {
    const width = column.width - 9;
    const text = cells[i] ?? '';
    doc.text(wrap ? text : fit(doc, text, width), column.align === 'right' ? x : x + 3, y, { width, align: column.align ?? 'left', lineBreak: wrap });
    x += column.width;
  });
}

/** Every page's foot: who sent it and which page of how many. */
function footers(doc: Pdf, company: CompanyDetails): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // Writing inside the bottom margin would otherwise start a new page.
    doc.page.margins.bottom = 0;
    rule(doc, PAGE.bottom + 12);
    doc.font('Helvetica').fontSize(8).fillColor(MUTED);
    doc.text(`${company.name} - ${company.email}`, PAGE.left, PAGE.bottom + 18, { width: WIDTH - 100, lineBreak: false });
    doc.text(`Page ${i - start + 1} of ${count}`, PAGE.right - 100, PAGE.bottom + 18, { width: 100, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

function rule(doc: Pdf, y: number): void {
  doc.moveTo(PAGE.left, y).lineTo(PAGE.right, y).lineWidth(0.5).strokeColor(RULE).stroke();
}

/** y when `height` still fits on this page, else the top of a new one. */
function room(doc: Pdf, y: number, height: number): number {
  if (y + height <= PAGE.bottom) return y;
  doc.addPage();
  return PAGE.top;
}

/** The text, shortened with an ellipsis to fit the width in the current font. */
function fit(doc: Pdf, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let end = text.length;
  while (end > 0 && doc.widthOfString(`${text.slice(0, end)}...`) > width) end--;
  return `${text.slice(0, end)}...`;
}
