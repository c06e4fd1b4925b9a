package verifier

// The authorization server's JWKS, fetched and kept fresh:
//   - refetched when its Cache-Control max-age has passed (bounded by MinTTL and MaxTTL);
//   - refetched on a token with an unknown kid, at most once per MinRefetchInterval, so new keys
//     are picked up quickly and a flood of made-up kids cannot flood the authorization server;
//   - a failed fetch keeps the last good set and is retried after MinTTL, so a brief outage of
//     the authorization server does not take the MCP server down with it;
//   - the fetch runs outside the lock: while it is in flight every other verification goes on
//     with the last good set at once (only before the first set do callers wait for it).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// CacheOptions tunes the JWKS cache; a zero field takes its default.
type CacheOptions struct {
	MinRefetchInterval time.Duration // between refetches caused by unknown kids; default 1 min
	DefaultTTL         time.Duration // when the response has no usable max-age; default 5 min
	MinTTL             time.Duration // default 30 s; also the retry delay after a failed fetch
	MaxTTL             time.Duration // default 24 h
}

func (o CacheOptions) withDefaults() CacheOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinRefetchInterval, time.Minute)
	def(&o.DefaultTTL, 5*time.Minute)
	def(&o.MinTTL, 30*time.Second)
	def(&o.MaxTTL, 24*time.Hour)
	if o.MaxTTL < o.MinTTL {
		o.MaxTTL = o.MinTTL
	}
	return o
}

const (
	maxJWKSBytes = 1 << 20
	fetchTimeout = 10 * time.Second
)

// maxAge reads max-age from a Cache-Control value; false when absent, or no-store/no-cache.
func maxAge(cacheControl string) (time.Duration, bool) {
	lower := strings.ToLower(cacheControl)
	if strings.Contains(lower, "no-store") || strings.Contains(lower, "no-cache") {
		return 0, false
	}
	at := strings.Index(lower, "max-age=")
	if at < 0 {
		return 0, false
	}
	var seconds int64
	digits := 0
	for i := at + len("max-age="); i < len(lower) && digits < 10 && lower[i] >= '0' && lower[i] <= '9'; i++ {
		seconds = seconds*10 + int64(lower[i]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	return time.Duration(seconds) * time.Second, true
}

type jwksCache struct {
	url    string
	client *http.Client
	opts   CacheOptions
	now    func() time.Time

	mu          sync.Mutex
	keys        *keySet // the last good set; nil before the first successful fetch
	expiresAt   time.Time
	lastFetch   time.Time
	fetchedOnce bool
	inflight    chan struct{} // non-nil while a fetch runs; closed when it ends
	lastErr     error
}

func newJWKSCache(url string, client *http.Client, opts CacheOptions, now func() time.Time) *jwksCache {
	return &jwksCache{url: url, client: client, opts: opts.withDefaults(), now: now}
}

// get returns the current set, fetching it when there is none or it is stale. nil only while no
// fetch has ever succeeded.
func (c *jwksCache) get(ctx context.Context) *keySet {
	c.mu.Lock()
	now := c.now()
	due := !now.Before(c.expiresAt)
	if c.keys == nil && !c.fetchedOnce {
		due = true
	}
	if !due {
		keys := c.keys
		c.mu.Unlock()
		return keys
	}
	return c.fetchLocked(ctx, now)
}

// refreshForUnknownKid refetches unless a fetch started within MinRefetchInterval, and returns
// the (possibly new) set.
func (c *jwksCache) refreshForUnknownKid(ctx context.Context) *keySet {
	c.mu.Lock()
	now := c.now()
	if c.fetchedOnce && now.Sub(c.lastFetch) < c.opts.MinRefetchInterval {
		keys := c.keys
		c.mu.Unlock()
		return keys
	}
	return c.fetchLocked(ctx, now)
}

// lastError is the last fetch's failure, nil after a success.
func (c *jwksCache) lastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// fetchLocked is entered with mu held and returns with it released.
func (c *jwksCache) fetchLocked(ctx context.Context, now time.Time) *keySet {
	if c.inflight != nil {
		done, keys := c.inflight, c.keys
		c.mu.Unlock()
		if keys != nil {
			return keys
		}
		select {
		case <-done:
		case <-ctx.Done():
			return nil
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.keys
	}
	done := make(chan struct{})
	c.inflight = done
	c.lastFetch = now
	c.fetchedOnce = true
	c.mu.Unlock()

	// Not the caller's context: the result serves every caller, and one giving up must not
	// cancel it for the others.
	keys, ttl, err := c.download()

	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.keys, c.lastErr = keys, nil
		c.expiresAt = now.Add(ttl)
	} else {
		// Keep the last good set; try again after the shortest interval, not at every request.
		c.lastErr = err
		c.expiresAt = now.Add(c.opts.MinTTL)
	}
	c.inflight = nil
	close(done)
	return c.keys
}

func (c *jwksCache) download() (*keySet, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetching the JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("fetching the JWKS: HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading the JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, 0, fmt.Errorf("the JWKS is larger than %d bytes", maxJWKSBytes)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, 0, err
	}
	ttl, ok := maxAge(strings.Join(resp.Header.Values("Cache-Control"), ", "))
	if !ok {
		ttl = c.opts.DefaultTTL
	}
	if ttl < c.opts.MinTTL {
		ttl = c.opts.MinTTL
	}
	if ttl > c.opts.MaxTTL {
		ttl = c.opts.MaxTTL
	}
	return keys, ttl, nil
}
