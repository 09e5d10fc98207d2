-- The seed schema (ChronoView, seeds/000 §3). Users are keyed by their Cognito `sub`
-- when Cognito is used; password_hash is only for the custom-JWT variant.
CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL UNIQUE,
    password_hash text,
    display_name  text,
    plan          text NOT NULL DEFAULT 'free',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE watchlists (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watchlists_user_id_idx ON watchlists (user_id);

CREATE TABLE watchlist_items (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    watchlist_id uuid NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
    symbol       text NOT NULL,
    position     integer NOT NULL DEFAULT 0
);
CREATE INDEX watchlist_items_watchlist_id_idx ON watchlist_items (watchlist_id);

CREATE TABLE charts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text NOT NULL,
    layout_json jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charts_user_id_idx ON charts (user_id);

CREATE TABLE alerts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol         text NOT NULL,
    condition_json jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'active',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_user_id_idx ON alerts (user_id);

CREATE TABLE candles (
    id       bigserial PRIMARY KEY,
    symbol   text NOT NULL,
    interval text NOT NULL,
    ts       timestamptz NOT NULL,
    o        numeric NOT NULL,
    h        numeric NOT NULL,
    l        numeric NOT NULL,
    c        numeric NOT NULL,
    v        numeric NOT NULL
);
CREATE INDEX candles_symbol_interval_ts_idx ON candles (symbol, interval, ts);
