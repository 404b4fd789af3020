import { createElement } from 'react';
import { Link } from 'react-router-dom';
import { Tag } from 'antd';
import { PhoneOutlined, RightOutlined } from '@ant-design/icons';
import { useMe } from '../../auth';
import { useI18n } from '../../i18n';
import { usePrefs } from '../../prefs';
import { visibleTiles, type H5Tile } from '../../menu';
import { LargeTextSwitch, LocaleSwitch } from '../../components/PrefControls';

function TileBody({ tile, ready }: { tile: H5Tile; ready: boolean }) {
  const { t, tl } = useI18n();
  return (
    <>
      <span className="og-tile-icon" aria-hidden>
        {createElement(tile.icon)}
      </span>
      <span className="og-tile-text">
        <span className="og-tile-label">{tl(tile.label)}</span>
        <span className="og-tile-desc">{tl(tile.description)}</span>
      </span>
      {ready ? <RightOutlined className="og-tile-arrow" aria-hidden /> : <Tag className="og-tile-soon">{t('common.comingSoon')}</Tag>}
    </>
  );
}

/**
 * 长辈模式 keeps the home plain: the few things an elderly resident does most come first, one big
 * button each, and everything else waits behind one "more services" fold.
 */
const ELDER_FIRST = ['sos', 'report', 'my-reports', 'notices', 'activities', 'assistant'];

function Tiles({ tiles }: { tiles: H5Tile[] }) {
  return (
    <section className="og-tiles">
      {tiles.map((tile) =>
        tile.page ? (
          <Link key={tile.key} to={tile.path} className="og-tile" data-testid={`tile-${tile.key}`}>
            <TileBody tile={tile} ready />
          </Link>
        ) : (
          <div key={tile.key} className="og-tile og-tile-disabled" aria-disabled="true" data-testid={`tile-${tile.key}`}>
            <TileBody tile={tile} ready={false} />
          </div>
        ),
      )}
    </section>
  );
}

/** The resident's home: big buttons for what a resident does most. */
export function H5HomePage() {
  const me = useMe();
  const { t } = useI18n();
  const { largeText } = usePrefs();
  const tiles = visibleTiles(me);
  const name = me.displayName.replace(/（.*）$/, '');
  const first = largeText ? ELDER_FIRST.map((k) => tiles.find((x) => x.key === k)).filter((x): x is H5Tile => !!x) : tiles;
  const more = largeText ? tiles.filter((x) => !ELDER_FIRST.includes(x.key)) : [];
  return (
    <div className="og-h5-home">
      <section className="og-h5-hero">
        <div className="og-h5-hello">{t('h5.hello', { name })}</div>
        <div className="og-h5-intro">{t(largeText ? 'h5.elderIntro' : 'h5.intro')}</div>
      </section>

      <Tiles tiles={first} />
      {more.length > 0 && (
        <details className="og-h5-more" data-testid="more-services">
          <summary>{t('h5.moreServices', { count: more.length })}</summary>
          <Tiles tiles={more} />
        </details>
      )}

      <section className="og-h5-card og-h5-prefs">        <div className="og-h5-pref-row">
          <div>
            <div className="og-h5-pref-title">{t('prefs.elderMode')}</div>
            <div className="og-h5-pref-desc">{t('prefs.elderModeDesc')}</div>
          </div>
          <LargeTextSwitch label="prefs.elderMode" showLabel={false} icon={false} />
        </div>
        <div className="og-h5-pref-row">
          <div className="og-h5-pref-title">{t('prefs.language')}</div>
          <LocaleSwitch />
        </div>
      </section>

      <p className="og-h5-hotline">
        <PhoneOutlined /> {t('h5.hotline')}
      </p>
    </div>
  );
}
