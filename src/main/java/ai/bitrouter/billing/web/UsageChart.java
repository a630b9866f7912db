package ai.bitrouter.billing.web;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.bitrouter.billing.money.Rounding;

/**
 * Lays out the spend-per-day bar chart in whole pixels from the rounded micro-USD of each day, with integer
 * arithmetic only (no floating point anywhere near money), so the drawing and the table beside it show the same
 * numbers.
 */
final class UsageChart {
    static final int WIDTH = 720;
    static final int HEIGHT = 200;
    static final int TOP = 16;
    static final int LEFT = 8;

    private UsageChart() {
    }

    static UsageView.Chart of(LocalDate first, LocalDate last, Map<LocalDate, BigDecimal> exactByDay) {
        List<LocalDate> days = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            days.add(d);
        }
        long max = 0;
        List<Long> amounts = new ArrayList<>();
        for (LocalDate d : days) {
            BigDecimal exact = exactByDay.get(d);
            long micro = exact == null ? 0 : Rounding.toWireMicroUsd(exact);
            amounts.add(micro);
            max = Math.max(max, micro);
        }
        int usable = WIDTH - 2 * LEFT;
        int slot = Math.max(1, usable / Math.max(1, days.size()));
        int barWidth = Math.max(1, slot - Math.max(1, slot / 5));
        int plot = HEIGHT - TOP;
        List<UsageView.Bar> bars = new ArrayList<>();
        for (int i = 0; i < days.size(); i++) {
            long micro = amounts.get(i);
            // Height proportional to the amount; a day with any spend gets at least one pixel so it stays visible.
            int h = max == 0 ? 0 : (int) (BigDecimal.valueOf(micro).multiply(BigDecimal.valueOf(plot))
                    .divideToIntegralValue(BigDecimal.valueOf(max)).longValueExact());
            if (micro > 0 && h == 0) {
                h = 1;
            }
            LocalDate d = days.get(i);
            bars.add(new UsageView.Bar(d.toString(), d.getMonth().toString().substring(0, 3) + " " + d.getDayOfMonth(),
                    UsageView.Amount.of(micro), LEFT + i * slot, HEIGHT - h, barWidth, h));
        }
        return new UsageView.Chart(WIDTH, HEIGHT, HEIGHT, Dollars.of(max), bars);
    }
}
