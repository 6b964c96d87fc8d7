package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/internal/db"
)

// RegisterStores exports the Postgres pool and Redis client statistics:
//
//	postbode_pg_pool_connections{state="idle|acquired|constructing"}
//	postbode_pg_pool_max_connections
//	postbode_pg_pool_acquires_total, postbode_pg_pool_empty_acquires_total
//	postbode_pg_pool_acquire_wait_seconds_total
//	postbode_redis_pool_connections{state="idle|total"}
//	postbode_redis_pool_hits_total, postbode_redis_pool_misses_total, postbode_redis_pool_timeouts_total
func RegisterStores(reg prometheus.Registerer, pool *db.Pool, rdb redis.UniversalClient) {
	reg.MustRegister(&storeCollector{pool: pool, rdb: rdb})
}

type storeCollector struct {
	pool *db.Pool
	rdb  redis.UniversalClient
}

var (
	pgConns        = prometheus.NewDesc("postbode_pg_pool_connections", "Postgres pool connections by state.", []string{"state"}, nil)
	pgMax          = prometheus.NewDesc("postbode_pg_pool_max_connections", "Postgres pool size limit.", nil, nil)
	pgAcquires     = prometheus.NewDesc("postbode_pg_pool_acquires_total", "Connections acquired from the Postgres pool.", nil, nil)
	pgEmpty        = prometheus.NewDesc("postbode_pg_pool_empty_acquires_total", "Acquires that had to wait for a Postgres connection.", nil, nil)
	pgWait         = prometheus.NewDesc("postbode_pg_pool_acquire_wait_seconds_total", "Time spent waiting for Postgres connections.", nil, nil)
	redisConns     = prometheus.NewDesc("postbode_redis_pool_connections", "Redis pool connections by state.", []string{"state"}, nil)
	redisHits      = prometheus.NewDesc("postbode_redis_pool_hits_total", "Redis pool reuses of an idle connection.", nil, nil)
	redisMisses    = prometheus.NewDesc("postbode_redis_pool_misses_total", "Redis pool acquires that needed a new connection.", nil, nil)
	redisTimeouts  = prometheus.NewDesc("postbode_redis_pool_timeouts_total", "Redis pool acquires that timed out.", nil, nil)
	storeDescsList = []*prometheus.Desc{pgConns, pgMax, pgAcquires, pgEmpty, pgWait, redisConns, redisHits, redisMisses, redisTimeouts}
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range storeDescsList {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(pgConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(pgMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(pgAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgEmpty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(pgWait, prometheus.CounterValue, s.AcquireDuration().Seconds())
	r := c.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(r.IdleConns), "idle")
	ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(r.TotalConns), "total")
	ch <- prometheus.MustNewConstMetric(redisHits, prometheus.CounterValue, float64(r.Hits))
	ch <- prometheus.MustNewConstMetric(redisMisses, prometheus.CounterValue, float64(r.Misses))
	ch <- prometheus.MustNewConstMetric(redisTimeouts, prometheus.CounterValue, float64(r.Timeouts))
}
