# The cost curves of bench/cost_curves.sh: gnuplot -e "csv='FILE'; out='FILE.svg'" cost_curves.gp
# Log-log: what the road network costs against its nodes, what the facilities cost against their
# number. A cost that grows linearly runs along the dotted line (slope 1, through the smallest).
set terminal svg size 1400,440 dynamic font "sans,11" background rgb "white"
set output out
set termoption noenhanced
set datafile separator ","
set logscale xy
set grid
set key top left font ",9"
set multiplot layout 1,4 title "parkguide cost curves: generated cities (bench/cost_curves.sh)"

set title "road network"
set xlabel "road nodes"
set ylabel "seconds"
stats csv using 3 nooutput
n0 = STATS_min
stats csv using 9 nooutput
t0 = STATS_min
plot csv using 3:9 smooth unique with linespoints title "import-osm", \
     csv using 3:11 smooth unique with linespoints title "graph build", \
     csv using 3:13 smooth unique with linespoints title "car contraction", \
     t0 * x / n0 with lines dashtype 3 lc rgb "gray" title "linear"

set xlabel "facilities"
stats csv using 1 nooutput
f0 = STATS_min
stats csv using 17 nooutput
s0 = STATS_min
stats csv using 18 nooutput
m0 = STATS_min
stats csv using 22 nooutput
c0 = STATS_min
set title "per facility: one-off"
plot csv using 1:15 smooth unique with linespoints title "import-registry", \
     csv using 1:17 smooth unique with linespoints title "serve: start to /health", \
     csv using 1:28 smooth unique with linespoints title "weekly report (HTML)", \
     s0 * x / f0 with lines dashtype 3 lc rgb "gray" title "linear"

set title "server memory"
set ylabel "MB"
plot csv using 1:18 smooth unique with linespoints title "RSS at /health", \
     csv using 1:25 smooth unique with linespoints title "peak RSS (VmHWM)", \
     m0 * x / f0 with lines dashtype 3 lc rgb "gray" title "linear"

set title "guidance, per request"
set ylabel "server CPU µs; latency ms"
plot csv using 1:22 smooth unique with linespoints title "server CPU µs/request", \
     csv using 1:20 smooth unique with linespoints title "p50 ms", \
     csv using 1:21 smooth unique with linespoints title "p99 ms", \
     c0 * x / f0 with lines dashtype 3 lc rgb "gray" title "linear"
unset multiplot
