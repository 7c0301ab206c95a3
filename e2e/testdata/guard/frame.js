new Image().src = 'https://www.facebook.com/tr?id=1&ev=frame';
