/**
 * The Review step's data: every example of the open project, read from IndexedDB, and the user's
 * edits written back through the store before the table shows them (a failed write says so and
 * changes nothing on screen).
 */
import type { Example } from '../../core/dataset/example';
import { store } from '../projects/projects';

export class ReviewData {
  examples = $state<Example[]>([]);
  labels = $state<string[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  private projectId: string | null = null;

  async load(projectId: string): Promise<void> {
    this.projectId = projectId;
    try {
      const s = await store();
      const project = await s.getProject(projectId);
      this.labels = project?.labels ?? [];
      this.examples = await s.listExamples(projectId);
    } catch (e) {
      this.error = `Could not read the project's examples: ${(e as Error).message}. Reload the page to try again.`;
    }
    this.loaded = true;
  }

  async edit(id: string, patch: { text?: string; label?: string | null }): Promise<void> {
    const old = this.examples.find((e) => e.id === id);
    if (!old) return;
    const next: Example = { ...$state.snapshot(old) as Example, ...(patch.text !== undefined ? { text: patch.text } : {}), ...(patch.label !== undefined ? { label: patch.label } : {}) };
    // An unlabeled text the user labels becomes training data, and theirs.
    if (next.split === 'unlabeled' && next.label !== null) next.split = 'train';
    await this.write([next], () => { this.examples = this.examples.map((e) => (e.id === id ? next : e)); });
  }

  async remove(ids: string[]): Promise<void> {
    await this.guard(async () => {
      await (await store()).deleteExamples(this.projectId!, ids);
      const gone = new Set(ids);
      this.examples = this.examples.filter((e) => !gone.has(e.id));
    });
  }

  async restore(xs: Example[]): Promise<void> {
    await this.write(xs.map((e) => $state.snapshot(e) as Example), () => { this.examples = [...this.examples, ...xs]; });
  }

  async moveToValidation(ids: string[]): Promise<void> {
    const set = new Set(ids);
    const moved = this.examples.filter((e) => set.has(e.id) && e.label !== null).map((e) => ({ ...$state.snapshot(e) as Example, split: 'val' as const }));
    const byId = new Map(moved.map((e) => [e.id, e]));
    await this.write(moved, () => { this.examples = this.examples.map((e) => byId.get(e.id) ?? e); });
  }

  private async write(xs: Example[], show: () => void): Promise<void> {
    await this.guard(async () => {
      await (await store()).putExamples(this.projectId!, xs);
      show();
    });
  }

  private async guard(f: () => Promise<void>): Promise<void> {
    this.error = null;
    try {
      await f();
    } catch (e) {
      this.error = `The change was not saved: ${(e as Error).message}. Nothing was changed; try again.`;
    }
  }
}
