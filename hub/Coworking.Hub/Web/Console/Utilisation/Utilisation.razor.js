// Draws the utilisation heatmap with Apache ECharts from the table the page renders (the table stays for screen readers
// and as the figures to copy). No data of its own: each cell's data-occupied / data-booked share.
(function () {
    'use strict';

    function draw(host) {
        const table = document.getElementById(host.dataset.utilisationHeatmap);
        if (!table || typeof echarts === 'undefined') {
            return;
        }

        const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
        const hours = [];
        const data = [];
        table.querySelectorAll('tbody tr').forEach(function (row, y) {
            hours.push(row.querySelector('th').textContent);
            row.querySelectorAll('td').forEach(function (cell) {
                data.push([Number(cell.dataset.weekday) - 1, y, Math.round(Number(cell.dataset.occupied) * 100), Math.round(Number(cell.dataset.booked) * 100)]);
            });
        });

        host.hidden = false;
        const chart = echarts.init(host, null, { renderer: 'canvas', height: 40 + (hours.length * 24) + 70 });
        chart.setOption({
            tooltip: {
                formatter: function (p) { return days[p.value[0]] + ' ' + hours[p.value[1]] + ': ' + p.value[2] + ' % occupied, ' + p.value[3] + ' % booked'; },
            },
            grid: { top: 10, left: 60, right: 20, bottom: 70 },
            xAxis: { type: 'category', data: days, splitArea: { show: true } },
            yAxis: { type: 'category', data: hours, inverse: true, splitArea: { show: true } },
            visualMap: { min: 0, max: 100, calculable: true, orient: 'horizontal', left: 'center', bottom: 10, text: ['100 %', '0 %'] },
            series: [{ name: 'Occupied', type: 'heatmap', data: data, label: { show: false } }],
        });
        window.addEventListener('resize', function () { chart.resize(); });
    }

    function start() {
        document.querySelectorAll('[data-utilisation-heatmap]').forEach(draw);
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
