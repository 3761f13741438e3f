/**
 * One file slot of the data step (seeds, or unlabeled texts): the picked file, the options the
 * user chose, and the worker's answer. Re-parsing with new columns reuses the picked file.
 */
import type { DatasetReport } from '../../core/dataset/report';
import { isUserError } from '../../core/errors';
import { parseFile, type ParseRequest } from './intake';

/** A problem with the file, in the user's terms. */
export interface UploadError { code: string; message: string; hint?: string }

export class Upload {
  file = $state<File | null>(null);
  options = $state<ParseRequest>({});
  report = $state.raw<DatasetReport | null>(null);
  error = $state<UploadError | null>(null);
  busy = $state(false);
  progress = $state<{ done: number; total: number } | null>(null);
  private seq = 0;

  constructor(readonly labeled: boolean) {}

  async pick(file: File): Promise<void> {
    this.file = file;
    this.options = { requireLabels: this.labeled };
    await this.parse();
  }

  async change(o: ParseRequest): Promise<void> {
    this.options = { ...this.options, ...o };
    await this.parse();
  }

  clear(): void {
    this.file = null; this.report = null; this.error = null; this.options = {};
  }

  private async parse(): Promise<void> {
    if (!this.file) return;
    const mine = ++this.seq; // a later pick wins over an earlier parse still running
    this.busy = true;
    this.error = null;
    this.progress = null;
    try {
      const report = await parseFile(this.file, $state.snapshot(this.options), (p) => {
        if (mine === this.seq && p.phase === 'validate') this.progress = { done: p.done, total: p.total };
      });
      if (mine !== this.seq) return;
      this.report = report;
    } catch (e) {
      if (mine !== this.seq) return;
      this.report = null;
      this.error = isUserError(e)
        ? { code: e.code, message: e.message, hint: e.hint }
        : { code: 'bug', message: `Parsing failed unexpectedly: ${(e as Error).message}`, hint: 'This is a bug in Distillery; please report it with the file if you can.' };
    } finally {
      if (mine === this.seq) this.busy = false;
    }
  }
}
