package dev.limiter.sample;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.core.breaker.BreakerState;
import dev.limiter.core.breaker.BreakerControls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The live dashboard of the sample app in headless Chromium, driven by Selenium through the system chromedriver:
 * it loads with no console error and no request outside the app, draws its charts, moves when traffic comes, and
 * forces a breaker open through a confirmed control; and it stays current by polling when the stream is not used. Runs
 * in the {@code browser} profile
 * ({@code ./mvnw -pl sample-app -am verify -Pbrowser}); fails, never skips, when Chromium is not installed.
 */
@Tag("browser")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class DashboardBrowserTests {

	private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");

	private static final String CHROMEDRIVER = System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static WebDriver driver;

	@LocalServerPort
	int port;

	@Autowired
	CircuitBreakerRegistry breakers;

	@BeforeAll
	static void startBrowser() {
		List<String> missing = new ArrayList<>();
		if (!new File(CHROMIUM).canExecute()) {
			missing.add(CHROMIUM);
		}
		if (!new File(CHROMEDRIVER).canExecute()) {
			missing.add(CHROMEDRIVER);
		}
		if (!missing.isEmpty()) {
			fail("The browser tests need Chromium and its driver; install them with "
					+ "'apt-get install -y chromium chromium-driver' (Debian), or point -Dchromium.binary and "
					+ "-Dwebdriver.chrome.driver at them. Missing: " + missing);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1800");
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
		options.setCapability("goog:loggingPrefs", logs);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
			.usingAnyFreePort()
			.build();
		driver = new ChromeDriver(service, options);
	}

	@AfterAll
	static void stopBrowser() {
		if (driver != null) {
			driver.quit();
		}
	}

	@Test
	void dashboardShowsLiveChartsAndAConfirmedControlForcesABreakerOpen() throws IOException {
		String origin = "http://localhost:" + this.port;
		driver.get(origin + "/actuator/limiter-dashboard");
		WebDriverWait wait = new WebDriverWait(driver, WAIT);
		wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));

		List<WebElement> cards = driver.findElements(By.cssSelector(".card"));
		assertThat(cards).extracting((card) -> card.getDomAttribute("data-name"))
			.contains("api", "search", "downstream", "cpu", "slow", "pool");
		wait.until((browser) -> script("return document.querySelectorAll('.card canvas').length") != null
				&& ((Number) script("return document.querySelectorAll('.card canvas').length")).intValue() >= cards
					.size());
		assertThat((Boolean) script(DRAWN)).as("every chart has drawn pixels").isTrue();

		SampleHttp http = new SampleHttp(this.port);
		for (int i = 0; i < 8; i++) {
			http.get("/api/hello");
		}
		wait.until((browser) -> Double.parseDouble(
				driver.findElement(By.cssSelector(".card[data-name='api']")).getDomAttribute("data-permitted")) > 0);
		assertThat(driver.findElements(By.cssSelector(".card[data-name='api'] table.keys td.key")))
			.as("the client's address is a top key")
			.isNotEmpty();

		WebElement breaker = driver.findElement(By.cssSelector(".card[data-name='downstream']"));
		assertThat(breaker.getDomAttribute("data-state")).isEqualTo("closed");
		breaker.findElement(By.cssSelector("button[data-action='force-open']")).click();
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
		assertThat(driver.findElement(By.id("confirm-text")).getText()).contains("downstream");
		driver.findElement(By.id("confirm-cancel")).click();
		assertThat(this.breakers.find("downstream").state()).as("cancelled").isEqualTo(BreakerState.CLOSED);

		breaker.findElement(By.cssSelector("button[data-action='force-open']")).click();
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
		driver.findElement(By.id("confirm-ok")).click();
		wait.until((browser) -> "forced-open".equals(
				driver.findElement(By.cssSelector(".card[data-name='downstream']")).getDomAttribute("data-state")));
		assertThat(this.breakers.find("downstream").state()).isEqualTo(BreakerState.FORCED_OPEN);
		wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("event-list"), "downstream"));

		script("window.scrollTo(0, 0)");
		Path screenshot = Path.of("target", "dashboard.png");
		Files.createDirectories(screenshot.getParent());
		Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), screenshot,
				StandardCopyOption.REPLACE_EXISTING);

		@SuppressWarnings("unchecked")
		List<String> resources = (List<String>) script(
				"return performance.getEntriesByType('resource').map(function (e) { return e.name; })");
		assertThat(resources).isNotEmpty().allSatisfy((url) -> assertThat(url).startsWith(origin + "/"));
		assertThat(consoleErrors()).as("console errors and warnings").isEmpty();
		((BreakerControls) this.breakers.find("downstream")).reset();
	}

	@Test
	void pollingFallbackKeepsThePageCurrent() {
		driver.get("http://localhost:" + this.port + "/actuator/limiter-dashboard?transport=poll");
		WebDriverWait wait = new WebDriverWait(driver, WAIT);
		wait.until(ExpectedConditions.textToBe(By.id("connection"), "polling"));
		wait.until((browser) -> driver.findElement(By.tagName("body")).getDomAttribute("data-seq") != null);
		long first = Long.parseLong(driver.findElement(By.tagName("body")).getDomAttribute("data-seq"));
		wait.until((browser) -> Long
			.parseLong(driver.findElement(By.tagName("body")).getDomAttribute("data-seq")) >= first + 2);
		assertThat(driver.findElements(By.cssSelector(".card canvas"))).isNotEmpty();
		assertThat(consoleErrors()).as("console errors and warnings").isEmpty();
	}

	private static List<String> consoleErrors() {
		return driver.manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
			.map(LogEntry::toString)
			.toList();
	}

	/** Whether every chart's canvas has a pixel that is not transparent. */
	private static final String DRAWN = """
			return Array.prototype.every.call(document.querySelectorAll('.card canvas'), function (canvas) {
				var data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
				for (var i = 3; i < data.length; i += 4) { if (data[i] !== 0) { return true; } }
				return false;
			});""";

	private static Object script(String script) {
		return ((JavascriptExecutor) driver).executeScript(script);
	}

}
