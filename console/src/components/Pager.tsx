import { t } from '../i18n';

export interface Pagination {
  page: number;
  total: number;
  has_next: boolean;
}

export function Pager(props: { pagination: Pagination | null; onPage: (n: number) => void }) {
  const p = props.pagination;
  if (!p || p.total <= 1) return null;
  return (
    <nav class="pager" aria-label="pages">
      <button class="secondary outline" disabled={p.page <= 1} onClick={() => props.onPage(p.page - 1)}>
        {t('pager.prev')}
      </button>
      <span class="pager-text">{t('pager.of', { page: p.page, total: p.total })}</span>
      <button class="secondary outline" disabled={!p.has_next} onClick={() => props.onPage(p.page + 1)}>
        {t('pager.next')}
      </button>
    </nav>
  );
}
