import { Book, deleteBook, postBook } from './pipeline-stack';

export interface CommittedWrite {
  bookId: number;
  type: 'BookAdded' | 'BookDeleted';
}

/**
 * Concurrent HTTP clients that add books and delete every other one until stopped.
 * Only writes the service acknowledged (201/204) are recorded as committed.
 */
export class WriteBurst {
  readonly committed: CommittedWrite[] = [];
  readonly failures: string[] = [];
  private running = true;
  private readonly done: Promise<void[]>;

  constructor(serviceUrl: string, clients: number, label: string) {
    this.done = Promise.all(Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; this.running; i++) {
        try {
          const response = await postBook(serviceUrl, { title: `${label} ${client}/${i}`, author: `client ${client}`, price: 10 + (i % 90) + 0.25 });
          if (response.status !== 201) {
            this.failures.push(`POST ${response.status}`);
            continue;
          }
          const book = (await response.json()) as Book;
          this.committed.push({ bookId: book.id, type: 'BookAdded' });
          if (i % 2 === 1) {
            const deleted = await deleteBook(serviceUrl, book.id);
            if (deleted.status === 204) this.committed.push({ bookId: book.id, type: 'BookDeleted' });
            else this.failures.push(`DELETE ${deleted.status}`);
          }
        } catch (error) {
          this.failures.push(String(error));
        }
      }
    }));
  }

  async untilCommitted(count: number): Promise<void> {
    while (this.committed.length < count) {
      if (!this.running) throw new Error('the burst has stopped');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<CommittedWrite[]> {
    this.running = false;
    await this.done;
    return this.committed;
  }
}
