package dev.limiter.benchmarks.overload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes the harness's PNG plots with XChart. */
final class Charts {

	private Charts() {
	}

	/** A line per named series; x and y arrays of equal length; NaN y values leave gaps. */
	static Path line(Path directory, String file, String title, String xTitle, String yTitle, boolean logX,
			boolean logY, Map<String, double[][]> series, boolean markers) throws IOException {
		XYChart chart = new XYChartBuilder().width(1000).height(520).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
			.build();
		chart.getStyler().setXAxisLogarithmic(logX);
		chart.getStyler().setXAxisDecimalPattern("0.#");
		chart.getStyler().setYAxisLogarithmic(logY);
		chart.getStyler().setMarkerSize(markers ? 7 : 0);
		chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
		for (Map.Entry<String, double[][]> entry : series.entrySet()) {
			double[][] points = entry.getValue();
			XYSeries line = chart.addSeries(entry.getKey(), points[0], points[1]);
			line.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
		}
		Path target = directory.resolve(file + ".png");
		BitmapEncoder.saveBitmap(chart, target.toString(), BitmapFormat.PNG);
		return target;
	}

}
