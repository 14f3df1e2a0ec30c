/**
 * SQL that appends one event to the outbox for each row of `source` (a CTE of
 * the same statement), so the change and its event are written in one round trip
 * and one transaction. Bind parameters: $eventId, $eventType, $traceparent.
 */
export function insertEventFrom(
  source: string,
  event: { aggregateType: string; aggregateId: string; payload: string },
): string {
  return `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, traceparent)
    SELECT $eventId, '${event.aggregateType}', ${event.aggregateId}, $eventType, ${event.payload},
           now() AT TIME ZONE 'UTC', $traceparent
      FROM ${source}
    RETURNING payload`;
}

/** With retention 0 the row is deleted in the writing transaction; the WAL still carries the insert. */
export const DELETE_EVENT = 'DELETE FROM outbox WHERE id = $eventId';
