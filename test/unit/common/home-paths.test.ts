import { strict as assert } from 'node:assert';
import { expandHome } from '../../../src/common/home-paths';

describe('expandHome', () => {
  it('turns a leading ~ into the home folder', () => {
    assert.equal(expandHome('~/.config/containers/certs.d', '/home/ada'), '/home/ada/.config/containers/certs.d');
    assert.equal(expandHome(' ~/.docker/config.json ', '/home/ada'), '/home/ada/.docker/config.json');
    assert.equal(expandHome('~', '/home/ada'), '/home/ada');
  });

  it('leaves every other path alone (including ~user, which names another user)', () => {
    for (const path of ['/etc/docker/certs.d', 'relative/dir', '~other/x', '', 'C:\\ProgramData\\docker\\certs.d'])
      assert.equal(expandHome(path, '/home/ada'), path.trim());
  });
});
