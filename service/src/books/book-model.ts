import { DataTypes, Model, Sequelize } from 'sequelize';

export class BookRow extends Model {
  declare id: number;
  declare title: string;
  declare author: string;
  /** numeric(10,2) arrives as a string so no precision is lost on the way. */
  declare price: string;
  declare createdAt: Date;
}

export function defineBookRow(sequelize: Sequelize): typeof BookRow {
  return BookRow.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      title: { type: DataTypes.STRING(255), allowNull: false },
      author: { type: DataTypes.STRING(255), allowNull: false },
      price: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
      createdAt: { type: DataTypes.DATE, field: 'created_at' },
    },
    { sequelize, tableName: 'books', timestamps: false },
  );
}
