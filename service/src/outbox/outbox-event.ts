import { DataTypes, Model, Sequelize } from 'sequelize';

/** A row of the outbox table: read by Debezium from the WAL, never updated. */
export class OutboxEvent extends Model {
  declare id: string;
  declare aggregatetype: string;
  declare aggregateid: string;
  declare type: string;
  declare payload: unknown;
  declare occurredAt: Date;
  declare traceparent: string | null;
}

export function defineOutboxEvent(sequelize: Sequelize): typeof OutboxEvent {
  return OutboxEvent.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      aggregatetype: { type: DataTypes.STRING, allowNull: false },
      aggregateid: { type: DataTypes.STRING, allowNull: false },
      type: { type: DataTypes.STRING, allowNull: false },
      payload: { type: DataTypes.JSONB, allowNull: false },
      occurredAt: { type: DataTypes.DATE, field: 'occurred_at', allowNull: false },
      traceparent: { type: DataTypes.STRING, allowNull: true },
    },
    { sequelize, tableName: 'outbox', timestamps: false },
  );
}
