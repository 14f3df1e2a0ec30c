import { expectSchemaRejection, templateWith as template } from './support/helm';

// values.schema.json turns a wrong value into an error that names the value and the rule,
// before anything reaches a cluster.

describe('values.schema.json', () => {
  it('accepts the defaults', () => {
    const result = template();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    ['replicaCount=-1', "at '/replicaCount': minimum: got -1, want 0"],
    ['replicaCount=two', "at '/replicaCount'"],
    ['image.pullPolicy=Sometimes', "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"],
    ['service.port=70000', "at '/service/port': maximum: got 70,000, want 65,535"],
    ['databse.host=db', "additional properties 'databse' not allowed"],
    ['database.sslMode=on', "at '/database/sslMode'"],
    ['database.app.existingSecret=Book_DB', "at '/database/app/existingSecret'"],
    ['config.logLevel=loud', "at '/config/logLevel'"],
    ['config.dbPoolMax=0', "at '/config/dbPoolMax': minimum: got 0, want 1"],
    ['migrations.slot=Book-Slot', "at '/migrations/slot'"],
    ['autoscaling.targetCPUUtilizationPercentage=150', "at '/autoscaling/targetCPUUtilizationPercentage'"],
    ['podDisruptionBudget.minAvailable=most', "at '/podDisruptionBudget/minAvailable'"],
    ['serviceMonitor.interval=often', "at '/serviceMonitor/interval'"],
    ['cdc.connectCluster=Book_Connect', "at '/cdc/connectCluster'"],
  ])('rejects %s with a message naming it', (value, message) => {
    expectSchemaRejection(template(value), message);
  });

  it('asks for a password when the chart is to make a Secret and none is given', () => {
    const result = template('database.owner.existingSecret=');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('database.owner.password is required when database.owner.existingSecret is empty');
  });
});
