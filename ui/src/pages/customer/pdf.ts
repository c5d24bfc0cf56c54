/** Invoices and statements as PDF files: fetched with the session's token, saved under the server's file name. */
import { useMutation } from '@tanstack/react-query';
import { api, must } from '../../api/client';

export type PdfDocument = { kind: 'invoice'; customerId: string; period: string } | { kind: 'statement'; customerId: string; month: string };

async function fetchPdf(document: PdfDocument): Promise<{ blob: Blob; filename: string }> {
  const answer =
    document.kind === 'invoice'
      ? await api.GET('/customers/{customerId}/invoices/{period}/pdf', { params: { path: { customerId: document.customerId, period: document.period } }, parseAs: 'blob' })
      : await api.GET('/customers/{customerId}/statements/{month}/pdf', { params: { path: { customerId: document.customerId, month: document.month } }, parseAs: 'blob' });
  const blob = must(answer) as unknown as Blob;
  const named = /filename="([^"]+)"/.exec(answer.response.headers.get('content-disposition') ?? '');
  return { blob, filename: named?.[1] ?? `${document.kind}.pdf` };
}

/** Hands the file to the browser's downloads, as a link to it would. */
function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = window.document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  window.document.body.append(link);
  link.click();
  link.remove();
  // Revoked a little later: the download has to start from it first.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Downloads an invoice's or a statement's PDF; its state (pending, error) for the button that asked. */
export function usePdfDownload() {
  return useMutation({
    mutationFn: async (document: PdfDocument) => {
      const { blob, filename } = await fetchPdf(document);
      save(blob, filename);
    },
  });
}
