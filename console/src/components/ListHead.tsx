// The head of a searchable list page (templates, devices): its title, a "new" button and the
// search box; a new search goes back to the first page.
import { t } from '../i18n';

export function ListHead(props: {
  title: string;
  newLabel: string;
  newId: string;
  onNew: () => void;
  searchId: string;
  search: string;
  onSearch: (s: string) => void;
}) {
  return (
    <>
      <div class="page-head">
        <h2>{props.title}</h2>
        <button id={props.newId} onClick={props.onNew}>
          {props.newLabel}
        </button>
      </div>
      <input
        type="search"
        id={props.searchId}
        placeholder={t('list.search')}
        aria-label={t('list.search')}
        value={props.search}
        onInput={(e) => props.onSearch(e.currentTarget.value)}
      />
    </>
  );
}
